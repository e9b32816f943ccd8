// Pages that replace a password: /account/password (current password + new one), the sign-in step for a password
// that no longer meets the rules, and the page saying an account was disabled for that reason.
import { html } from '../../src/lib/html.ts';
import type { PasswordContext, PasswordProblem } from '../../src/services/password-policy.ts';
import { format, messages } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { passwordMeterScripts, passwordProblemText, renderNewPasswordFields, type NewPasswordError, type PasswordRules } from './password-fields.ts';

export type CurrentPasswordError = 'currentMissing' | 'currentWrong' | 'limited';

function problemList(t: Messages, id: string, problems: readonly PasswordProblem[], rules: PasswordRules) {
  return html`<ul id="${id}" class="problems">${problems.map((problem) => html`<li>${passwordProblemText(t, problem, rules)}</li>`)}</ul>`;
}

export interface ChangePasswordView extends PageFrame {
  csrfToken: string;
  rules: PasswordRules;
  person: PasswordContext;
  currentError?: CurrentPasswordError;
  newError?: NewPasswordError;
  /** The box as the person left it when the page comes back with an error (ticked by default). */
  signOutOthers?: boolean;
}

export function renderChangePassword(view: ChangePasswordView): string {
  const t = messages(view.locale);
  const words = t.passwordChange;
  const body = html`
<p class="secondary-top"><a href="/account">${words.back}</a></p>
<h1>${words.title}</h1>
<p>${words.intro}</p>
<form method="post" action="/account/password" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <div id="current-password-error" class="alert" role="alert"${view.currentError ? '' : html` hidden`}>${view.currentError ? words[view.currentError] : ''}</div>
  <label for="current_password">${words.currentPassword}</label>
  <input id="current_password" name="current_password" type="password" autocomplete="current-password" required maxlength="1024"
    ${view.currentError ? html`aria-invalid="true" aria-describedby="current-password-error" ` : ''}${view.newError ? '' : html`autofocus`}>
  ${renderNewPasswordFields(t, { rules: view.rules, error: view.newError, person: view.person, autofocus: Boolean(view.newError) })}
  <div class="checkbox"><input id="sign_out_others" name="sign_out_others" type="checkbox" value="1"${view.signOutOthers === false ? '' : html` checked`}>
  <label for="sign_out_others">${words.signOutOthers}</label></div>
  <button type="submit" class="primary">${words.submit}</button>
</form>
<p class="secondary"><a href="/account">${words.cancel}</a></p>`;
  return renderPage({ ...view, title: words.title, body, scripts: passwordMeterScripts });
}

export function renderPasswordChanged(view: PageFrame & { signedOutOthers?: number }): string {
  const words = messages(view.locale).passwordChange;
  const body = html`
<h1>${words.doneTitle}</h1>
<p class="notice" role="status">${words.done}${view.signedOutOthers ? html` ${format(words.signedOutOthers, { count: String(view.signedOutOthers) })}` : ''}</p>
<a class="button primary" href="/account">${words.back}</a>`;
  return renderPage({ ...view, title: words.doneTitle, body });
}

export interface WeakPasswordView extends PageFrame {
  csrfToken: string;
  action: string;
  rules: PasswordRules;
  /** The rules the current password breaks. */
  problems: readonly PasswordProblem[];
  person: PasswordContext;
  error?: NewPasswordError;
}

/** At sign-in: the password was right but breaks today's rules; a new one finishes the sign-in. */
export function renderWeakPasswordChange(view: WeakPasswordView): string {
  const t = messages(view.locale);
  const words = t.passwordChange;
  const body = html`
<h1>${words.weakTitle}</h1>
${view.problems.length
  ? html`<p id="weak-password-reason">${words.weakIntro}</p>
${problemList(t, 'weak-password-problems', view.problems, view.rules)}`
  : html`<p id="weak-password-reason">${t.admin.passwordChangeRequired}</p>`}
<p>${words.weakAction}</p>
<form method="post" action="${view.action}" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  ${renderNewPasswordFields(t, { rules: view.rules, error: view.error, person: view.person, autofocus: true })}
  <button type="submit" class="primary">${words.weakSubmit}</button>
</form>`;
  return renderPage({ ...view, title: words.weakTitle, body, scripts: passwordMeterScripts });
}

/** At sign-in, when PASSWORD_WEAK_EXISTING=disable: why the account is now disabled and who can help. */
export function renderWeakPasswordDisabled(view: PageFrame & { rules: PasswordRules; problems: readonly PasswordProblem[] }): string {
  const t = messages(view.locale);
  const words = t.passwordChange;
  const body = html`
<h1>${words.disabledTitle}</h1>
<div class="alert" role="alert">
  <p>${words.disabledIntro}</p>
  ${problemList(t, 'weak-password-problems', view.problems, view.rules)}
</div>
<p id="disabled-action">${words.disabledAction}</p>`;
  return renderPage({ ...view, title: words.disabledTitle, body });
}
