// The forgot-password pages, one per step: login ID + captcha, where to send a code, the code, a second proof
// (accounts with a second factor), the new password, done. Until a code is proven a page says nothing that
// depends on whether the ID exists: no masked number, no "unknown account".
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import type { ResetChannel, ResetView } from '../../src/services/password-reset.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { passwordMeterScripts, renderNewPasswordFields, type NewPasswordFieldsView } from './password-fields.ts';

export const forgotPasswordBase = '/forgot-password';
const path = (step: string) => `${forgotPasswordBase}/${step}`;
const scripts = ['/assets/vendor/altcha.js', '/assets/forgot-password.js'];

export interface ForgotPasswordFrame extends PageFrame {
  csrfToken: string;
  error?: ErrorCode;
}

type T = ReturnType<typeof messages>;

const errorRegion = (t: T, error: ErrorCode | undefined) =>
  html`<div id="reset-error" class="alert" role="alert"${error ? '' : html` hidden`}>${error ? (t.errors as Record<string, string>)[error] ?? t.errors.internal_error : ''}</div>`;

const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

const appeal = (t: T) => html`<section class="appeal" aria-labelledby="appeal-title">
  <h2 id="appeal-title">${t.forgotPassword.appealTitle}</h2>
  <p>${t.forgotPassword.appeal}</p>
  <p><a href="/appeal">${t.appeals.public.entry}</a></p>
</section>`;

const startOver = (t: T, token: string) => html`<form method="post" action="${path('restart')}" class="secondary">
  ${csrf(token)}<button type="submit" class="link">${t.forgotPassword.startOver}</button>
</form>`;

const channelLabel = (t: T, channel: ResetChannel) => (channel === 'sms' ? t.forgotPassword.channelSms : t.forgotPassword.channelEmail);

const channelChoices = (t: T, channels: ResetChannel[], chosen: ResetChannel | undefined) => html`<fieldset class="choices">
  <legend class="visually-hidden">${t.forgotPassword.channelTitle}</legend>
  ${channels.map((channel, index) => html`<label class="choice"><input type="radio" name="channel" value="${channel}"${(chosen ? chosen === channel : index === 0) ? html` checked` : ''}> ${channelLabel(t, channel)}</label>`)}
</fieldset>`;

const page = (frame: PageFrame, title: string, body: SafeHtml, extra: { scripts?: string[]; styles?: string[] } = {}) =>
  renderPage({ ...frame, title, body, ...extra });

/** The widget's own words, from our catalogue, so it speaks the page's language. */
const widgetLanguage = (locale: Locale) => (locale === 'zh-CN' ? 'zh-cn' : 'en');

export function renderResetStart(view: ForgotPasswordFrame & { loginId?: string; challengeUrl: string }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.forgotPassword.title}</h1>
<p>${t.forgotPassword.intro}</p>
${errorRegion(t, view.error)}
<form method="post" action="${forgotPasswordBase}" novalidate>
  ${csrf(view.csrfToken)}
  <label for="login_id">${t.forgotPassword.loginId}</label>
  <input id="login_id" name="login_id" type="text" value="${view.loginId ?? ''}" autocomplete="username" autocapitalize="none"
    spellcheck="false" required maxlength="128"${view.error ? html` aria-describedby="reset-error"` : ''}${view.loginId ? '' : html` autofocus`}>
  <p id="captcha-hint" class="hint captcha-hint">${t.forgotPassword.captchaHint}</p>
  <altcha-widget name="altcha" challenge="${view.challengeUrl}" language="${widgetLanguage(view.locale)}"
    configuration='{"hideFooter":true,"hideLogo":true}' data-strings="${JSON.stringify(t.forgotPassword.widget)}"></altcha-widget>
  <button type="submit" class="primary">${t.forgotPassword.next}</button>
</form>
${appeal(t)}`;
  return page(view, t.forgotPassword.title, body, { scripts, styles: ['/assets/vendor/altcha.css'] });
}

export function renderResetChannel(view: ForgotPasswordFrame & { reset: ResetView }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.forgotPassword.channelTitle}</h1>
<p>${format(t.forgotPassword.channelIntro, { loginId: view.reset.loginId })}</p>
${errorRegion(t, view.error)}
<form method="post" action="${path('channel')}">
  ${csrf(view.csrfToken)}
  ${channelChoices(t, view.reset.channels, view.reset.chosen)}
  <button type="submit" class="primary">${t.forgotPassword.send}</button>
</form>
${appeal(t)}
${startOver(t, view.csrfToken)}`;
  return page(view, t.forgotPassword.channelTitle, body);
}

export function renderResetCode(view: ForgotPasswordFrame & { reset: ResetView }): string {
  const t = messages(view.locale);
  const sent = view.reset.chosen === 'email' ? t.forgotPassword.codeSentEmail : t.forgotPassword.codeSentSms;
  const body = html`
<h1>${t.forgotPassword.codeTitle}</h1>
<p class="notice" role="status">${format(sent, { loginId: view.reset.loginId })}</p>
${errorRegion(t, view.error)}
<form method="post" action="${path('code')}">
  ${csrf(view.csrfToken)}
  <label for="code">${t.forgotPassword.code}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="12" required autofocus${view.error ? html` aria-describedby="reset-error"` : ''}>
  <button type="submit" class="primary">${t.forgotPassword.verify}</button>
</form>
<form method="post" action="${path('channel')}" class="alternative">
  ${csrf(view.csrfToken)}
  <p>${t.forgotPassword.noCode}</p>
  ${channelChoices(t, view.reset.channels, view.reset.chosen)}
  <button type="submit">${t.forgotPassword.resend}</button>
</form>
${appeal(t)}
${startOver(t, view.csrfToken)}`;
  return page(view, t.forgotPassword.codeTitle, body);
}

export function renderResetSecond(view: ForgotPasswordFrame & { reset: ResetView }): string {
  const t = messages(view.locale);
  const methods = view.reset.secondMethods ?? [];
  const codeForm = (method: string, label: string, id: string) => html`<form method="post" action="${path('second')}" class="alternative">
  ${csrf(view.csrfToken)}<input type="hidden" name="method" value="${method}">
  <label for="${id}">${label}</label>
  <input id="${id}" name="code" type="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="32" required>
  <button type="submit" class="primary">${t.forgotPassword.verify}</button>
</form>`;
  const channelForm = (channel: ResetChannel) => view.reset.secondSentTo === channel
    ? html`<p class="notice" role="status">${channel === 'sms' ? t.forgotPassword.secondSentSms : t.forgotPassword.secondSentEmail}</p>${codeForm(channel, t.forgotPassword.secondCode, `code-${channel}`)}`
    : html`<form method="post" action="${path('second/send')}" class="alternative">
  ${csrf(view.csrfToken)}<input type="hidden" name="channel" value="${channel}">
  <button type="submit">${channel === 'sms' ? t.forgotPassword.secondSms : t.forgotPassword.secondEmail}</button>
</form>`;
  const body = html`
<h1>${t.forgotPassword.secondTitle}</h1>
${view.reset.provenTo ? html`<p class="notice" role="status">${format(t.forgotPassword.proven, { target: view.reset.provenTo })}</p>` : ''}
<p>${methods.length ? t.forgotPassword.secondIntro : t.forgotPassword.noSecond}</p>
${errorRegion(t, view.error)}
${methods.includes('totp') ? codeForm('totp', t.forgotPassword.totp, 'code-totp') : ''}
${methods.includes('recovery') ? codeForm('recovery', t.forgotPassword.recovery, 'code-recovery') : ''}
${methods.includes('sms') ? channelForm('sms') : ''}
${methods.includes('email') ? channelForm('email') : ''}
${appeal(t)}
${startOver(t, view.csrfToken)}`;
  return page(view, t.forgotPassword.secondTitle, body);
}

export function renderResetPassword(view: ForgotPasswordFrame & { reset: ResetView; password: NewPasswordFieldsView; keepSessionsAllowed: boolean; keepSessions?: boolean }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.forgotPassword.passwordTitle}</h1>
${view.reset.provenTo ? html`<p class="notice" role="status">${format(t.forgotPassword.proven, { target: view.reset.provenTo })}</p>` : ''}
<p>${format(t.forgotPassword.passwordFor, { loginId: view.reset.loginId })}</p>
${errorRegion(t, view.error)}
<form method="post" action="${path('password')}" novalidate>
  ${csrf(view.csrfToken)}
  <input type="text" name="username" value="${view.reset.loginId}" autocomplete="username" hidden>
  ${renderNewPasswordFields(t, { ...view.password, autofocus: true })}
  ${view.keepSessionsAllowed
    ? html`<label class="choice"><input type="checkbox" name="keep_sessions" value="1" aria-describedby="keep-hint"${view.keepSessions ? html` checked` : ''}> ${t.forgotPassword.keepSessions}</label>
  <p id="keep-hint" class="hint">${t.forgotPassword.keepSessionsHint}</p>`
    : ''}
  <button type="submit" class="primary">${t.forgotPassword.save}</button>
</form>
${startOver(t, view.csrfToken)}`;
  return page(view, t.forgotPassword.passwordTitle, body, { scripts: passwordMeterScripts });
}

export function renderResetDone(view: PageFrame & { keptSessions: boolean; signInUrl: string }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.forgotPassword.doneTitle}</h1>
<p class="notice" role="status">${t.forgotPassword.done}</p>
<p>${view.keptSessions ? t.forgotPassword.doneKept : t.forgotPassword.doneRevoked}</p>
<p><a class="button primary" href="${view.signInUrl}">${t.forgotPassword.signIn}</a></p>`;
  return page(view, t.forgotPassword.doneTitle, body);
}
