// The reviewer's side of lost-phone appeals inside the admin shell: the queue (by status) and one appeal with its
// evidence (images shown from the reviewer-only document route, PDFs downloaded) and the two decision forms,
// each carrying the revision it was made on.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { AppealStatus, QueuedAppeal } from '../../src/services/appeals.ts';
import { showsInline } from '../../src/services/identity-documents.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { csrfField, reasonMax } from './admin-layout.ts';

export const reviewStatuses: readonly AppealStatus[] = ['pending', 'approved', 'rejected'];
export const appealReviewBase = '/admin/appeals';

const dateText = (locale: Locale, at: Date) =>
  new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Shanghai' }).format(at);
const sizeText = (bytes: number) => (bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`);

export function renderAppealQueue(locale: Locale, view: { status: AppealStatus; appeals: QueuedAppeal[] }): SafeHtml {
  const t = messages(locale).appeals;
  const r = t.review;
  return html`<p>${r.intro}</p>
<nav aria-label="${r.title}"><ul class="links inline">
  ${reviewStatuses.map((status) => html`<li><a href="${appealReviewBase}?status=${status}"${status === view.status ? html` aria-current="page"` : ''}>${r.filters[status]}</a></li>`)}
</ul></nav>
${view.appeals.length === 0
  ? html`<p>${r.empty}</p>`
  : html`<div class="table-wrap"><table class="admin">
  <thead><tr><th scope="col">${r.person}</th><th scope="col">${t.status.reason}</th><th scope="col">${t.status.unbind}</th><th scope="col">${r.submitted}</th><th scope="col"><span class="visually-hidden">${r.open}</span></th></tr></thead>
  <tbody>${view.appeals.map((appeal) => html`<tr>
    <td>${appeal.person.displayName} (${appeal.person.username})${appeal.person.department ? html`<br><span class="hint">${appeal.person.department}</span>` : ''}</td>
    <td>${t.reasons[appeal.reason]}</td>
    <td>${appeal.unbindRoles.map((role) => t.roles[role]).join(', ')}</td>
    <td>${dateText(locale, appeal.updatedAt)}</td>
    <td><a href="${appealReviewBase}/${appeal.id}">${r.open}</a></td>
  </tr>`)}</tbody>
</table></div>`}`;
}

export function renderAppealReview(locale: Locale, view: { appeal: QueuedAppeal; csrfToken: string; notice?: 'approved' | 'rejected'; sessionsEnded?: string; error?: string }): SafeHtml {
  const t = messages(locale).appeals;
  const r = t.review;
  const { appeal } = view;
  const documentHref = (id: string) => `${appealReviewBase}/${appeal.id}/documents/${id}`;
  return html`
${view.notice ? html`<p class="notice" role="status">${format(r.decidedNotice[view.notice], { sessions: view.sessionsEnded ?? '0' })}</p>` : ''}
${view.error ? html`<p class="alert" role="alert">${view.error}</p>` : ''}
<p class="appeal-status status-${appeal.status}"><strong>${t.status.label[appeal.status]}</strong></p>
<dl class="facts">
  <dt>${r.person}</dt><dd>${appeal.person.displayName} (${appeal.person.username}), ${appeal.person.type}${appeal.person.department ? html`, ${appeal.person.department}` : ''}</dd>
  <dt>${t.status.reason}</dt><dd>${t.reasons[appeal.reason]}${appeal.reasonText ? html` — ${appeal.reasonText}` : ''}</dd>
  <dt>${t.status.unbind}</dt><dd>${appeal.unbindRoles.map((role) => t.roles[role]).join(', ')}</dd>
  <dt>${t.status.organisation}</dt><dd>${appeal.organisation}</dd>
  <dt>${t.status.contactPhone}</dt><dd>${appeal.contactPhone}</dd>
  <dt>${r.submitted}</dt><dd>${dateText(locale, appeal.updatedAt)} (${r.channel[appeal.channel]})</dd>
  ${appeal.reviewerNote ? html`<dt>${t.status.note}</dt><dd>${appeal.reviewerNote}</dd>` : ''}
</dl>
<section aria-labelledby="evidence-title">
  <h2 id="evidence-title">${r.documents}</h2>
  ${appeal.documents.length === 0 ? html`<p>${r.noDocuments}</p>` : ''}
  <ul class="evidence">${appeal.documents.map((document, index) => html`<li>
    ${showsInline(document.mediaType) ? html`<a href="${documentHref(document.id)}"><img src="${documentHref(document.id)}" alt="${format(r.view, { type: document.mediaType, size: sizeText(document.byteSize) })} ${index + 1}" width="480"></a>` : ''}
    <a href="${documentHref(document.id)}?download=1">${r.download} ${index + 1}: ${document.mediaType}, ${sizeText(document.byteSize)}</a>
  </li>`)}</ul>
</section>
${appeal.status === 'pending'
  ? html`<section class="admin-action" aria-labelledby="decide-title">
  <h3 id="decide-title">${r.note}</h3>
  <form method="post" action="${appealReviewBase}/${appeal.id}/decide">
    ${csrfField(view.csrfToken)}
    <input type="hidden" name="revision" value="${String(appeal.revision)}">
    <label for="appeal-note">${r.note}</label>
    <p id="appeal-note-hint" class="hint">${r.noteHint}</p>
    <textarea id="appeal-note" name="reason" required maxlength="${reasonMax}" rows="3" aria-describedby="appeal-note-hint"></textarea>
    <button type="submit" name="decision" value="approve" class="primary">${r.approve}</button>
    <button type="submit" name="decision" value="reject" class="danger">${r.reject}</button>
  </form>
</section>`
  : ''}
<p class="secondary"><a href="${appealReviewBase}">${r.back}</a></p>`;
}
