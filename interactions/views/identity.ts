// The identity record's pages: the person's electronic archive (status, reviewer's note, the correction form),
// the identity fields shared with /register, and the reviewer queue's body inside the admin shell.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { IdentityField, FieldIssue } from '../../src/services/identity-fields.ts';
import type { IdentityStatus, IdentityView, QueueItem } from '../../src/services/identity-verification.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { when, withDate } from './app-passwords.ts';
import { csrfField, reasonField } from './admin-layout.ts';

export type FieldValues = Partial<Record<IdentityField, string>>;
export type FieldIssues = Partial<Record<IdentityField, FieldIssue>>;

const fieldOrder: { field: IdentityField; autocomplete?: string; inputmode?: string; max: number }[] = [
  { field: 'name', autocomplete: 'name', max: 64 },
  { field: 'id_number', autocomplete: 'off', max: 18 },
  { field: 'school', max: 64 },
  { field: 'grade', max: 32 },
  { field: 'class', max: 32 },
  { field: 'enrolment_year', inputmode: 'numeric', max: 4 },
  { field: 'guardian_name', max: 64 },
  { field: 'guardian_phone', autocomplete: 'tel', inputmode: 'tel', max: 20 },
];

/** The labelled inputs, each with its problem (aria-invalid + described by the message). */
export function identityInputs(locale: Locale, values: FieldValues, issues: FieldIssues, options: { idHint?: string; skip?: IdentityField[] } = {}): SafeHtml {
  const t = messages(locale).identity;
  return html`${fieldOrder.filter(({ field }) => !options.skip?.includes(field)).map(({ field, autocomplete, inputmode, max }) => {
    const id = `identity-${field}`;
    const issue = issues[field];
    const hint = field === 'id_number' ? (options.idHint ? format(t.idNumberKept, { hint: options.idHint }) : t.idNumberHint) : undefined;
    const described = [hint ? `${id}-hint` : '', issue ? `${id}-error` : ''].filter(Boolean).join(' ');
    return html`<label for="${id}">${t.fields[field]}</label>
${hint ? html`<p id="${id}-hint" class="hint">${hint}</p>` : ''}
<input id="${id}" name="${field}" type="text" value="${field === 'id_number' ? '' : (values[field] ?? '')}" maxlength="${max}"${autocomplete ? html` autocomplete="${autocomplete}"` : ''}${inputmode ? html` inputmode="${inputmode}"` : ''}${field === 'id_number' && !options.idHint ? html` required` : field !== 'id_number' ? html` required` : ''}${issue ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>
${issue ? html`<p id="${id}-error" class="alert field-error" role="alert">${t.issues[issue]}</p>` : ''}`;
  })}`;
}

export const valuesOf = (record: IdentityView): FieldValues => ({
  name: record.name, school: record.school, grade: record.grade, class: record.className, enrolment_year: String(record.enrolmentYear),
  guardian_name: record.guardianName, guardian_phone: record.guardianPhone.replace(/^\+86/, ''),
});

export interface ArchiveView extends PageFrame {
  csrfToken: string;
  record: IdentityView | undefined;
  values: FieldValues;
  issues: FieldIssues;
  notice?: string;
}

const statusBlock = (locale: Locale, record: IdentityView): SafeHtml => {
  const t = messages(locale).identity;
  return html`<dl class="facts" id="identity-status" data-status="${record.status}">
  <dt>${t.statusLabel}</dt><dd><strong>${t.status[record.status]}</strong>${record.status === 'verified' && record.verifiedBy ? html` (${t.verifiedBy[record.verifiedBy]})` : ''}</dd>
  ${record.reviewerNote ? html`<dt>${t.reviewerNote}</dt><dd id="reviewer-note">${record.reviewerNote}</dd>` : ''}
  <dt>${t.fields.id_number}</dt><dd>…${record.idNumberHint}</dd>
</dl>`;
};

export function renderArchive(view: ArchiveView): string {
  const t = messages(view.locale).identity;
  const back = messages(view.locale).account.back;
  const hasIssues = Object.keys(view.issues).length > 0;
  const body = html`
<p class="secondary-top"><a href="/account">${back}</a></p>
<h1>${t.archiveTitle}</h1>
${view.notice ? html`<p class="notice" role="status">${t.notices[view.notice] ?? ''}</p>` : ''}
${hasIssues ? html`<p class="alert" role="alert">${t.fixBelow}</p>` : ''}
<p class="hint">${t.archiveIntro}</p>
${view.record ? statusBlock(view.locale, view.record) : html`<p id="no-record">${t.noRecord}</p>`}
<form method="post" action="/account/identity" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  ${view.record ? html`<input type="hidden" name="revision" value="${view.record.revision}">` : ''}
  <p class="hint">${t.keyFieldsHint}</p>
  ${identityInputs(view.locale, view.values, view.issues, { idHint: view.record?.idNumberHint })}
  <button type="submit" class="primary">${t.save}</button>
</form>`;
  return renderPage({ ...view, title: t.archiveTitle, body });
}

/** The queue's body for the admin shell: tabs by status, one section per record with approve / return forms. */
export function identityQueueBody(view: { locale: Locale; csrfToken: string; status: IdentityStatus; items: QueueItem[]; notice?: string }): SafeHtml {
  const t = messages(view.locale).identity;
  const tabs = (['pending', 'returned', 'verified'] as const).map((status) =>
    html`<li><a href="/admin/identity?status=${status}"${status === view.status ? html` aria-current="page"` : ''}>${t.tabs[status]}</a></li>`);
  const items = view.items.map((item) => html`<section class="admin-action identity-item" id="record-${item.id}" data-username="${item.username}">
  <h3>${item.name} · ${item.username}</h3>
  <dl class="facts">
    <dt>${t.fields.school}</dt><dd>${item.school}</dd>
    <dt>${t.fields.grade}</dt><dd>${item.grade}</dd>
    <dt>${t.fields.class}</dt><dd>${item.className}</dd>
    <dt>${t.fields.enrolment_year}</dt><dd>${item.enrolmentYear}</dd>
    <dt>${t.fields.id_number}</dt><dd>…${item.idNumberHint}</dd>
    <dt>${t.fields.guardian_name}</dt><dd>${item.guardianName}</dd>
    <dt>${t.statusLabel}</dt><dd>${t.status[item.status]} · ${withDate(t.submittedAt, when(view.locale, item.updatedAt))}</dd>
    ${item.reviewerNote ? html`<dt>${t.reviewerNote}</dt><dd>${item.reviewerNote}</dd>` : ''}
  </dl>
  <p class="registry-check">${t.registry[item.registry]}${item.differences.length ? html` ${item.differences.map((difference, index) => html`${index ? '; ' : ''}${format(t.registrySays, { field: t.fields[difference.field] ?? difference.field, value: difference.registry })}`)}` : ''}</p>
  ${item.status === 'pending'
    ? html`<form method="post" action="/admin/identity/${item.id}/decide">
    ${csrfField(view.csrfToken)}
    <input type="hidden" name="revision" value="${item.revision}">
    ${reasonField(view.locale, `note-${item.id}`)}
    <p class="hint">${t.noteHint}</p>
    <button type="submit" name="decision" value="approve" class="primary">${t.approve}</button>
    <button type="submit" name="decision" value="return" class="danger">${t.return}</button>
  </form>`
    : ''}
</section>`);
  return html`<p>${t.queueIntro}</p>
${view.notice ? html`<p class="notice" role="status" id="decision-notice">${t.decided[view.notice] ?? ''}</p>` : ''}
<nav aria-label="${t.queueTitle}"><ul class="links">${tabs}</ul></nav>
${items.length ? items : html`<p id="queue-empty">${t.queueEmpty}</p>`}`;
}
