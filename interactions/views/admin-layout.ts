// The admin console's page shell inside the site layout: a skip link, the section nav (only the sections the
// staff member's roles open), who is signed in, then the page. Also the shared pieces of admin forms.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export interface AdminNavLink {
  path: string;
  label: string;
  current: boolean;
}

export interface AdminFrame extends PageFrame {
  nav: AdminNavLink[];
  /** Who is signed in; absent on the "no access" page for someone who is not staff. */
  who?: { name: string; loginId: string; roles: string[] };
}

export function renderAdminPage(frame: AdminFrame & { title: string; body: SafeHtml; scripts?: string[] }): string {
  const t = messages(frame.locale).admin;
  const nav = frame.nav.length
    ? html`<nav class="admin-nav" aria-label="${t.navLabel}"><ul>${frame.nav.map(
        (link) => html`<li><a href="${link.path}"${link.current ? html` aria-current="page"` : ''}>${link.label}</a></li>`,
      )}</ul></nav>`
    : '';
  const who = frame.who
    ? html`<p class="hint admin-who">${format(t.signedInAs, { name: frame.who.name, loginId: frame.who.loginId, roles: frame.who.roles.map((role) => t.roles[role] ?? role).join(frame.locale === 'zh-CN' ? '、' : ', ') })}</p>`
    : '';
  const body = html`<a class="skip-link" href="#admin-content">${t.skip}</a>
${nav}${who}
<div id="admin-content" tabindex="-1">
<h1>${frame.title}</h1>
${frame.body}
</div>`;
  return renderPage({ ...frame, title: `${frame.title} · ${t.title}`, body, scripts: frame.scripts, styles: ['/assets/admin.css'] });
}

export const reasonMax = 500;

/** The reason every admin action asks for: required, labelled, at most 500 characters. */
export function reasonField(locale: Locale, id: string, error?: 'reasonMissing' | 'reasonTooLong'): SafeHtml {
  const t = messages(locale).admin;
  return html`<label for="${id}">${t.reasonLabel}</label>
<textarea id="${id}" name="reason" required maxlength="${reasonMax}" rows="2"${error ? html` aria-invalid="true" aria-describedby="${id}-error"` : ''}></textarea>
${error ? html`<p id="${id}-error" class="alert" role="alert">${t[error]}</p>` : ''}`;
}

/** A hidden CSRF field for an admin form. */
export const csrfField = (token: string): SafeHtml => html`<input type="hidden" name="_csrf" value="${token}">`;
