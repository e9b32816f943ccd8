// Lost-phone appeal pages for the person: the form (new or edit, with or without the password), the status page
// (pending / approved / rejected with the reviewer's note, edit, withdraw), and the steps for someone who cannot
// sign in (login ID + captcha, the code from the recovery e-mail). The form posts multipart/form-data.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import { appealReasons, unbindableRoles, type AppealView, type FieldProblem, type UnbindableRole } from '../../src/services/appeals.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

type T = ReturnType<typeof messages>;
export type FormProblem = FieldProblem | 'password' | 'passwordLimited';
export const appealNotices = ['opened', 'edited', 'deleted'] as const;
export type AppealNotice = (typeof appealNotices)[number];

/** A refusal shown above the form: the error code and, for a file, its display label. */
export interface AppealPageError {
  code: ErrorCode;
  name?: string;
}

export interface AppealFormValues {
  reason?: string;
  reason_text?: string;
  unbind_roles?: string[];
  organisation?: string;
  contact_phone?: string;
}

export interface UploadLimits {
  maxBytes: number;
  maxFiles: number;
}

export interface AppealFormView extends PageFrame {
  csrfToken: string;
  action: string;
  mode: 'new' | 'edit';
  askPassword: boolean;
  /** A line above the form (the forgot-password path says how the person was proved). */
  intro?: string;
  values: AppealFormValues;
  /** The person's bound numbers, masked, to help choose. */
  bound?: Partial<Record<UnbindableRole, string>>;
  problems?: FormProblem[];
  error?: AppealPageError;
  keptDocuments?: number;
  limits: UploadLimits;
  cancelHref: string;
}

const megabytes = (bytes: number) => String(Math.round((bytes / 1024 / 1024) * 10) / 10);

/** An error message with its placeholders filled (file name, limits). */
export function appealErrorText(locale: Locale, error: AppealPageError, limits: UploadLimits): string {
  const t = messages(locale);
  const template = (t.errors as Record<string, string>)[error.code] ?? t.errors.internal_error;
  return format(template, { name: error.name ? `“${error.name}”` : '', mb: megabytes(limits.maxBytes), count: String(limits.maxFiles) }).replace(/\s{2,}/g, ' ');
}

const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

const whatNext = (t: T) => html`<section class="appeal-next" aria-labelledby="next-title">
  <h2 id="next-title">${t.appeals.whatNextTitle}</h2>
  <ol>${t.appeals.whatNext.map((line) => html`<li>${line}</li>`)}</ol>
</section>`;

/** Label, input and (after a refusal) the message tied to it. */
const fieldError = (t: T, problems: FormProblem[], problem: FormProblem, id: string): SafeHtml | '' =>
  problems.includes(problem) ? html`<p id="${id}-error" class="alert" role="alert">${t.appeals.problems[problem]}</p>` : '';
const invalid = (problems: FormProblem[], problem: FormProblem, id: string) =>
  problems.includes(problem) ? html` aria-invalid="true" aria-describedby="${id}-error"` : '';

export function renderAppealForm(view: AppealFormView): string {
  const t = messages(view.locale);
  const a = t.appeals;
  const problems = view.problems ?? [];
  const values = view.values;
  const chosenRoles = values.unbind_roles ?? [];
  const body = html`
<h1>${a.title}</h1>
<p>${view.intro ?? a.intro}</p>
${view.error ? html`<div class="alert" role="alert" id="appeal-error">${appealErrorText(view.locale, view.error, view.limits)}</div>` : ''}
${problems.length && !view.error ? html`<div class="alert" role="alert">${a.problemSummary}</div>` : ''}
<form method="post" action="${view.action}" enctype="multipart/form-data" class="appeal-form">
  ${csrf(view.csrfToken)}
  <fieldset class="choices"${invalid(problems, 'reason', 'reason')}>
    <legend>${a.reason}</legend>
    ${appealReasons.map((reason) => html`<label class="choice"><input type="radio" name="reason" value="${reason}"${values.reason === reason ? html` checked` : ''} required> ${a.reasons[reason]}</label>`)}
    ${fieldError(t, problems, 'reason', 'reason')}
  </fieldset>
  <label for="reason_text">${a.reasonText}</label>
  <p id="reason_text-hint" class="hint">${a.reasonTextHint}</p>
  <textarea id="reason_text" name="reason_text" rows="3" maxlength="500"${invalid(problems, 'reasonText', 'reason_text')}>${values.reason_text ?? ''}</textarea>
  ${fieldError(t, problems, 'reasonText', 'reason_text')}
  <fieldset class="choices"${invalid(problems, 'unbindRoles', 'unbind')}>
    <legend>${a.unbind}</legend>
    ${unbindableRoles.map((role) => {
      const current = view.bound?.[role];
      return html`<label class="choice"><input type="checkbox" name="unbind_roles" value="${role}"${chosenRoles.includes(role) ? html` checked` : ''}> ${a.roles[role]}${view.bound ? html` <span class="hint">(${current ? format(a.now, { value: current }) : a.notBound})</span>` : ''}</label>`;
    })}
    ${fieldError(t, problems, 'unbindRoles', 'unbind')}
  </fieldset>
  <label for="documents">${a.document}</label>
  <p id="documents-hint" class="hint">${format(a.documentHint, { mb: megabytes(view.limits.maxBytes), count: String(view.limits.maxFiles) })}${view.keptDocuments ? html` ${format(a.documentKeep, { count: String(view.keptDocuments) })}` : ''}</p>
  <input id="documents" name="documents" type="file" multiple accept="image/jpeg,image/png,image/webp,application/pdf" aria-describedby="documents-hint"${view.mode === 'new' ? html` required` : ''}>
  <label for="organisation">${a.organisation}</label>
  <input id="organisation" name="organisation" type="text" maxlength="100" required autocomplete="organization" value="${values.organisation ?? ''}"${invalid(problems, 'organisation', 'organisation')}>
  ${fieldError(t, problems, 'organisation', 'organisation')}
  <label for="contact_phone">${a.contactPhone}</label>
  <p id="contact_phone-hint" class="hint">${a.contactPhoneHint}</p>
  <input id="contact_phone" name="contact_phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="32" required value="${values.contact_phone ?? ''}"${invalid(problems, 'contactPhone', 'contact_phone')}>
  ${fieldError(t, problems, 'contactPhone', 'contact_phone')}
  ${view.askPassword
    ? html`<label for="password">${a.password}</label>
  <p id="password-hint" class="hint">${a.passwordHint}</p>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${problems.includes('password') || problems.includes('passwordLimited') ? html` aria-invalid="true" aria-describedby="password-error"` : ''}>
  ${fieldError(t, problems, 'password', 'password')}${fieldError(t, problems, 'passwordLimited', 'password')}`
    : ''}
  <button type="submit" class="primary">${view.mode === 'new' ? a.submit : a.resubmit}</button>
</form>
<p class="secondary"><a href="${view.cancelHref}">${a.cancel}</a></p>
${whatNext(t)}`;
  return renderPage({ ...view, title: a.title, body });
}

export interface AppealStatusView extends PageFrame {
  csrfToken: string;
  appeal: AppealView;
  notice?: AppealNotice;
  editHref: string;
  withdrawAction: string;
  /** Where to open another appeal once this one is decided. */
  newHref?: string;
  backHref?: string;
  retentionDays: number;
  statusMailed?: boolean;
  error?: AppealPageError;
  limits: UploadLimits;
}

const dateText = (locale: Locale, at: Date) =>
  new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: 'Asia/Shanghai' }).format(at);

export function renderAppealStatus(view: AppealStatusView): string {
  const t = messages(view.locale);
  const a = t.appeals;
  const s = a.status;
  const { appeal } = view;
  const open = appeal.status === 'pending' || appeal.status === 'rejected';
  const body = html`
<h1>${s.title}</h1>
${view.notice ? html`<p class="notice" role="status">${a.notices[view.notice]}</p>` : ''}
${view.statusMailed ? html`<p class="notice" role="status">${a.public.statusMailed}</p>` : ''}
${view.error ? html`<div class="alert" role="alert">${appealErrorText(view.locale, view.error, view.limits)}</div>` : ''}
<p class="appeal-status status-${appeal.status}"><strong>${s.label[appeal.status]}</strong>: ${s[appeal.status]}</p>
${appeal.status === 'rejected' && appeal.reviewerNote ? html`<section class="reviewer-note" aria-labelledby="note-title"><h2 id="note-title">${s.note}</h2><p>${appeal.reviewerNote}</p></section>` : ''}
${appeal.status === 'approved' && appeal.reviewerNote ? html`<p><strong>${s.note}</strong>: ${appeal.reviewerNote}</p>` : ''}
<dl class="facts">
  <dt>${s.reason}</dt><dd>${a.reasons[appeal.reason]}${appeal.reasonText ? html` — ${appeal.reasonText}` : ''}</dd>
  <dt>${s.unbind}</dt><dd>${appeal.unbindRoles.map((role) => a.roles[role]).join(view.locale === 'en' ? ', ' : '、')}</dd>
  <dt>${s.organisation}</dt><dd>${appeal.organisation}</dd>
  <dt>${s.contactPhone}</dt><dd>${appeal.contactPhone}</dd>
  <dt>${s.documents}</dt><dd>${appeal.documents.length ? format(s.documentCount, { count: String(appeal.documents.length) }) : format(s.documentsGone, { days: String(view.retentionDays) })}</dd>
  <dt>${s.submitted}</dt><dd>${dateText(view.locale, appeal.updatedAt)}</dd>
  ${appeal.decidedAt ? html`<dt>${s.decided}</dt><dd>${dateText(view.locale, appeal.decidedAt)}</dd>` : ''}
</dl>
${open
  ? html`<ul class="links"><li><a href="${view.editHref}">${s.edit}</a></li></ul>
<form method="post" action="${view.withdrawAction}" class="withdraw">
  ${csrf(view.csrfToken)}<input type="hidden" name="appeal" value="${appeal.id}">
  <p class="hint">${s.withdrawHint}</p>
  <button type="submit" class="danger">${s.withdraw}</button>
</form>`
  : view.newHref ? html`<ul class="links"><li><a href="${view.newHref}">${s.another}</a></li></ul>` : ''}
${appeal.status === 'pending' ? whatNext(t) : ''}
${view.backHref ? html`<p class="secondary"><a href="${view.backHref}">${s.back}</a></p>` : ''}`;
  return renderPage({ ...view, title: s.title, body });
}

/** A short page with a message and a link (e.g. "deleted", "expired"). */
export function renderAppealMessage(view: PageFrame & { title: string; message: string; alert?: boolean; link?: { href: string; text: string } }): string {
  const body = html`
<h1>${view.title}</h1>
<p class="${view.alert ? 'alert' : 'notice'}" role="${view.alert ? 'alert' : 'status'}">${view.message}</p>
${view.link ? html`<p class="secondary"><a href="${view.link.href}">${view.link.text}</a></p>` : ''}`;
  return renderPage({ ...view, title: view.title, body });
}

const widgetLanguage = (locale: Locale) => (locale === 'zh-CN' ? 'zh-cn' : 'en');

/** Someone who cannot sign in: login ID and captcha; a code goes to the recovery e-mail. */
export function renderAppealStart(view: PageFrame & { csrfToken: string; action: string; challengeUrl: string; loginId?: string; error?: ErrorCode }): string {
  const t = messages(view.locale);
  const p = t.appeals.public;
  const body = html`
<h1>${p.startTitle}</h1>
<p>${p.startIntro}</p>
${view.error ? html`<div id="appeal-error" class="alert" role="alert">${(t.errors as Record<string, string>)[view.error] ?? t.errors.internal_error}</div>` : ''}
<form method="post" action="${view.action}" novalidate>
  ${csrf(view.csrfToken)}
  <label for="login_id">${p.loginId}</label>
  <input id="login_id" name="login_id" type="text" value="${view.loginId ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="128"${view.error ? html` aria-describedby="appeal-error"` : ''}>
  <p class="hint captcha-hint">${t.forgotPassword.captchaHint}</p>
  <altcha-widget name="altcha" challenge="${view.challengeUrl}" language="${widgetLanguage(view.locale)}"
    configuration='{"hideFooter":true,"hideLogo":true}' data-strings="${JSON.stringify(t.forgotPassword.widget)}"></altcha-widget>
  <button type="submit" class="primary">${p.next}</button>
</form>
<p class="hint">${p.noRecovery}</p>
${whatNext(t)}`;
  return renderPage({ ...view, title: p.startTitle, body, scripts: ['/assets/vendor/altcha.js', '/assets/forgot-password.js'], styles: ['/assets/vendor/altcha.css'] });
}

export function renderAppealCode(view: PageFrame & { csrfToken: string; action: string; restartAction: string; loginId: string; error?: ErrorCode }): string {
  const t = messages(view.locale);
  const p = t.appeals.public;
  const body = html`
<h1>${p.codeTitle}</h1>
<p>${format(p.codeSent, { loginId: view.loginId })}</p>
${view.error ? html`<div id="code-error" class="alert" role="alert">${(t.errors as Record<string, string>)[view.error] ?? t.errors.internal_error}</div>` : ''}
<form method="post" action="${view.action}">
  ${csrf(view.csrfToken)}
  <label for="code">${p.code}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]*" maxlength="12" required autofocus${view.error ? html` aria-invalid="true" aria-describedby="code-error"` : ''}>
  <button type="submit" class="primary">${p.verify}</button>
</form>
<p class="hint">${p.noRecovery}</p>
<form method="post" action="${view.restartAction}" class="secondary">
  ${csrf(view.csrfToken)}<button type="submit" class="link">${p.startOver}</button>
</form>`;
  return renderPage({ ...view, title: p.codeTitle, body });
}
