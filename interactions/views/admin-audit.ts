// Body of the admin console's audit trail: the filter form (type, login ID, date range), the events table with
// the reason, actor and target of admin actions, paging links, and the CSV export link with the same filters.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { when } from './admin-users.ts';

export interface AuditFilterInput {
  type: string;
  user: string;
  from: string;
  to: string;
}

export type AuditFilterError = 'badDate' | 'badType' | 'unknownUser';

export interface AuditRowView {
  createdAt: Date;
  type: string;
  userId: string | null;
  loginId?: string;
  ip: string | null;
  detail: unknown;
}

export interface AuditPageView {
  filter: AuditFilterInput;
  errors: AuditFilterError[];
  rows: AuditRowView[];
  page: number;
  more: boolean;
  exportLimit: number;
}

const query = (filter: AuditFilterInput, extra: Record<string, string> = {}) => {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries({ ...filter, ...extra })) if (value) params.set(key, value);
  const text = params.toString();
  return text ? `?${text}` : '';
};

const detailText = (detail: unknown): string =>
  detail && typeof detail === 'object'
    ? Object.entries(detail as Record<string, unknown>)
        .filter(([key]) => key !== 'actorId')
        .map(([key, value]) => `${key}: ${typeof value === 'string' ? value : JSON.stringify(value)}`)
        .join('; ')
    : '';

export function renderAuditTrail(locale: Locale, view: AuditPageView): SafeHtml {
  const t = messages(locale).admin.audit;
  const field = (name: keyof AuditFilterInput, label: string, type: string, error?: AuditFilterError, hint?: string) => html`<div>
  <label for="audit-${name}">${label}</label>
  <input id="audit-${name}" name="${name}" type="${type}" value="${view.filter[name]}" maxlength="64"${error && view.errors.includes(error) ? html` aria-invalid="true" aria-describedby="audit-errors"` : hint ? html` aria-describedby="audit-${name}-hint"` : ''}>
  ${hint ? html`<div id="audit-${name}-hint" class="hint">${hint}</div>` : ''}
</div>`;
  const rows = view.rows.length
    ? html`<div class="table-wrap"><table class="admin" aria-label="${t.title}">
<thead><tr><th scope="col">${t.when}</th><th scope="col">${t.type}</th><th scope="col">${t.who}</th><th scope="col">${t.ip}</th><th scope="col">${t.detail}</th></tr></thead>
<tbody>${view.rows.map(
        (row) => html`<tr><td>${when(row.createdAt)}</td><td><code>${row.type}</code></td><td>${row.userId ? html`<a href="/admin/users/${row.userId}">${row.loginId ?? row.userId}</a>` : ''}</td><td>${row.ip ?? ''}</td><td>${detailText(row.detail)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p role="status">${t.none}</p>`;
  const pager = html`<nav class="pager" aria-label="${t.title}">
${view.page > 1 ? html`<a href="/admin/audit${query(view.filter, { page: String(view.page - 1) })}" rel="prev">${t.newer}</a>` : ''}
${view.more ? html`<a href="/admin/audit${query(view.filter, { page: String(view.page + 1) })}" rel="next">${t.older}</a>` : ''}
</nav>`;
  return html`<form method="get" action="/admin/audit" class="filters">
${field('type', t.type, 'text', 'badType', t.typeHint)}
${field('user', t.user, 'text', 'unknownUser')}
${field('from', t.from, 'date', 'badDate')}
${field('to', t.to, 'date', 'badDate')}
<button type="submit" class="primary">${t.filter}</button>
</form>
${view.errors.length ? html`<div id="audit-errors" class="alert" role="alert">${view.errors.map((error) => html`<p>${t[error]}</p>`)}</div>` : ''}
<p><a href="/admin/audit.csv${query(view.filter)}" download>${t.export}</a> <span class="hint">${format(t.exportLimit, { count: String(view.exportLimit) })}</span></p>
${rows}
${pager}`;
}
