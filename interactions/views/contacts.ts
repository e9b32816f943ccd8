// Contact points: the /account/contacts list (add, change, remove each role), the "enter the code" step, and the
// sign-in prompt for a contact the institution requires. Values are shown masked; what the person typed stays.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import type { ContactRole } from '../../src/config/env.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';

type ContactMessages = Messages['contacts'];
export type ContactNotice = keyof ContactMessages['notices'];
export const contactNotices: readonly ContactNotice[] = ['bound', 'removed'];
export const contactRoleOrder: readonly ContactRole[] = ['login_phone', 'security_phone', 'recovery_email'];

export interface ShownContact {
  role: ContactRole;
  /** Masked. */
  value?: string;
  verified: boolean;
  required: boolean;
}

/** A refused form: which role, why, and what the person typed (never a secret). */
export interface ContactFormError {
  role: ContactRole;
  code: ErrorCode;
  value: string;
}

/** An error message; the institution-domain rule names the domains. */
export function contactErrorText(locale: Locale, code: ErrorCode, domains: readonly string[]): string {
  const t = messages(locale);
  const text = (t.errors as Record<string, string>)[code] ?? t.errors.internal_error;
  return format(text, { domains: domains.join(', ') || t.contacts.anyDomain });
}

function roleHint(locale: Locale, role: ContactRole, domains: readonly string[]): string {
  const t = messages(locale).contacts;
  return format(t.roleHints[role], { domains: domains.join(', ') || t.anyDomain });
}

/** The input for a new value of `role`, with its label and (after a refusal) the message tied to it. */
function valueInput(locale: Locale, role: ContactRole, id: string, error: ContactFormError | undefined, domains: readonly string[]): SafeHtml {
  const t = messages(locale).contacts;
  const phone = role !== 'recovery_email';
  const errorId = `${id}-error`;
  const invalid = error ? html` aria-invalid="true" aria-describedby="${errorId}"` : '';
  return html`<label for="${id}">${phone ? t.newPhone : t.newEmail}</label>
  <input id="${id}" name="value" ${phone ? html`type="tel" inputmode="tel" autocomplete="tel"` : html`type="email" inputmode="email" autocomplete="email"`} autocapitalize="none" spellcheck="false" maxlength="${phone ? '32' : '254'}" required value="${error?.value ?? ''}"${invalid}>
  ${error ? html`<p id="${errorId}" class="alert" role="alert">${contactErrorText(locale, error.code, domains)}</p>` : ''}`;
}

export interface ContactsView extends PageFrame {
  csrfToken: string;
  contacts: ShownContact[];
  institutionDomains: readonly string[];
  notice?: ContactNotice;
  error?: ContactFormError;
}

export function renderContacts(view: ContactsView): string {
  const t = messages(view.locale).contacts;
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrfToken}">`;
  const items = view.contacts.map((contact) => {
    const failed = view.error?.role === contact.role ? view.error : undefined;
    return html`<li class="item" id="contact-${contact.role}">
  <strong class="label">${t.roles[contact.role]}</strong>${contact.required ? html` <span class="tag">${t.required}</span>` : ''}
  <p class="value">${contact.value ? html`<span class="contact-value">${contact.value}</span>${contact.verified ? '' : html` <span class="hint">(${t.notVerified})</span>`}` : html`<span class="hint">${t.notSet}</span>`}</p>
  <p class="hint">${roleHint(view.locale, contact.role, view.institutionDomains)}</p>
  <form method="post" action="/account/contacts/${contact.role}" novalidate>
    ${csrf}
    ${valueInput(view.locale, contact.role, `value-${contact.role}`, failed, view.institutionDomains)}
    <button type="submit">${contact.value ? t.change : t.add}</button>
  </form>
  ${contact.value && !contact.required
    ? html`<form method="post" action="/account/contacts/${contact.role}/remove">
    ${csrf}
    <button type="submit" class="danger">${t.remove}</button>
  </form>`
    : ''}
</li>`;
  });
  const body = html`
<p class="secondary-top"><a href="/account">${t.back}</a></p>
<h1>${t.title}</h1>
<p class="hint">${t.intro}</p>
${view.notice ? html`<p class="notice" role="status">${t.notices[view.notice]}</p>` : ''}
<ul class="items" id="contacts">${items}</ul>
<p class="hint lost-phone">${messages(view.locale).appeals.linkIntro} <a href="/account/appeal">${messages(view.locale).appeals.link}</a></p>`;
  return renderPage({ ...view, title: t.title, body });
}

export interface ContactCodeView extends PageFrame {
  csrfToken: string;
  role: ContactRole;
  /** Masked destination of the waiting code. */
  sentTo: string;
  minutes: number;
  action: string;
  cancelHref: string;
  error?: ErrorCode;
}

export function renderContactCode(view: ContactCodeView): string {
  const t = messages(view.locale);
  const c = t.contacts;
  const body = html`
<h1>${c.codeTitle}</h1>
<p class="notice" role="status">${format(c.codeSent, { to: view.sentTo, minutes: String(view.minutes) })}</p>
${view.role === 'recovery_email' ? html`<p class="hint">${c.emailSpam}</p>` : ''}
<div id="code-error" class="alert" role="alert"${view.error ? '' : html` hidden`}>${view.error ? contactErrorText(view.locale, view.error, []) : ''}</div>
<form method="post" action="${view.action}" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <label for="code">${c.code}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="12" required autofocus${view.error ? html` aria-describedby="code-error"` : ''}>
  <button type="submit" class="primary">${c.verify}</button>
</form>
<p class="secondary"><a href="${view.cancelHref}">${c.cancel}</a></p>`;
  return renderPage({ ...view, title: c.codeTitle, body });
}

export interface ContactPromptView extends PageFrame {
  csrfToken: string;
  /** The missing role asked for now (the first of them). */
  role: ContactRole;
  sendAction: string;
  /** Present when CONTACT_PROMPT=skip. */
  skipAction?: string;
  /** The session is older than the fresh-proof window: the password goes with the number. */
  askPassword: boolean;
  /** The role is missing because an approved lost-phone appeal unbound it. */
  afterAppeal?: boolean;
  institutionDomains: readonly string[];
  error?: ContactFormError;
  /** A refusal not about the value (CSRF, wrong password, budgets). */
  formError?: ErrorCode | 'proofInvalid' | 'proofLimited';
}

export function renderContactPrompt(view: ContactPromptView): string {
  const t = messages(view.locale);
  const c = t.contacts;
  const formError = view.formError
    ? view.formError === 'proofInvalid' || view.formError === 'proofLimited'
      ? t.account.errors[view.formError]
      : contactErrorText(view.locale, view.formError, view.institutionDomains)
    : '';
  const body = html`
<h1>${c.promptTitle}</h1>
<p id="missing-contact"><strong>${format(c.missing, { role: c.inText[view.role] })}</strong></p>
<p class="hint">${view.afterAppeal ? t.appeals.rebindIntro : c.promptIntro} ${roleHint(view.locale, view.role, view.institutionDomains)}</p>
${view.skipAction ? '' : html`<p class="hint warning">${c.mustComplete}</p>`}
<div id="prompt-error" class="alert" role="alert"${formError ? '' : html` hidden`}>${formError}</div>
<form method="post" action="${view.sendAction}" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  ${valueInput(view.locale, view.role, 'value', view.error, view.institutionDomains)}
  ${view.askPassword
    ? html`<p class="hint">${c.passwordWhy}</p>
  <label for="password">${c.password}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" maxlength="1024" required>`
    : ''}
  <button type="submit" class="primary">${c.sendCode}</button>
</form>
${view.skipAction
  ? html`<form method="post" action="${view.skipAction}" class="alternative">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <button type="submit" id="later">${c.later}</button>
</form>`
  : ''}`;
  return renderPage({ ...view, title: c.promptTitle, body });
}
