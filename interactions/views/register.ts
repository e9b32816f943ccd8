// /register: step 1 proves the guardian's mobile number (captcha, then a texted code); step 2 takes the code,
// the chosen login ID, the password (with the policy's rules and meter) and the identity fields; then "done".
import { html } from '../../src/lib/html.ts';
import type { IdentityStatus } from '../../src/services/identity-verification.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { identityInputs, type FieldIssues, type FieldValues } from './identity.ts';
import { passwordMeterScripts, renderNewPasswordFields, type NewPasswordFieldsView } from './password-fields.ts';

export const registerBase = '/register';

interface RegisterFrame extends PageFrame {
  csrfToken: string;
  /** A key of identity.register.problems. */
  problem?: string;
}

const csrf = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;
const widgetLanguage = (locale: Locale) => (locale === 'zh-CN' ? 'zh-cn' : 'en');

const problemRegion = (locale: Locale, problem: string | undefined, values: Record<string, string> = {}) => {
  const t = messages(locale).identity.register;
  return html`<div id="register-error" class="alert" role="alert"${problem ? '' : html` hidden`}>${problem ? format(t.problems[problem] ?? '', values) : ''}</div>`;
};

export function renderRegisterStart(view: RegisterFrame & { phone?: string; challengeUrl: string }): string {
  const all = messages(view.locale);
  const t = all.identity.register;
  const body = html`
<h1>${t.title}</h1>
<p>${t.intro}</p>
${problemRegion(view.locale, view.problem)}
<form method="post" action="${registerBase}/start" novalidate>
  ${csrf(view.csrfToken)}
  <label for="guardian_phone">${all.identity.fields.guardian_phone}</label>
  <input id="guardian_phone" name="guardian_phone" type="tel" inputmode="tel" autocomplete="tel" maxlength="20" required value="${view.phone ?? ''}"${view.problem ? html` aria-describedby="register-error"` : ''}>
  <p id="captcha-hint" class="hint captcha-hint">${all.forgotPassword.captchaHint}</p>
  <altcha-widget name="altcha" challenge="${view.challengeUrl}" language="${widgetLanguage(view.locale)}"
    configuration='{"hideFooter":true,"hideLogo":true}' data-strings="${JSON.stringify(all.forgotPassword.widget)}"></altcha-widget>
  <button type="submit" class="primary">${t.sendCode}</button>
</form>`;
  // forgot-password.js only wires the ALTCHA widget (worker and words): the same job here.
  return renderPage({ ...view, title: t.title, body, scripts: ['/assets/vendor/altcha.js', '/assets/forgot-password.js'], styles: ['/assets/vendor/altcha.css'] });
}

export interface RegisterDetailsView extends RegisterFrame {
  masked: string;
  guardianVerified: boolean;
  loginId: string;
  values: FieldValues;
  issues: FieldIssues;
  password: NewPasswordFieldsView;
}

export function renderRegisterDetails(view: RegisterDetailsView): string {
  const all = messages(view.locale);
  const t = all.identity.register;
  const loginProblem = view.problem?.startsWith('login_id') ? view.problem : undefined;
  const codeProblem = view.problem?.startsWith('code') ? view.problem : undefined;
  const body = html`
<h1>${t.title}</h1>
${Object.keys(view.issues).length ? html`<p class="alert" role="alert">${all.identity.fixBelow}</p>` : ''}
<form method="post" action="${registerBase}" novalidate>
  ${csrf(view.csrfToken)}
  ${view.guardianVerified
    ? ''
    : html`<p class="notice" role="status">${format(t.codeSent, { phone: view.masked })}</p>
  <label for="code">${t.code}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" maxlength="8"${codeProblem ? html` aria-invalid="true" aria-describedby="code-error"` : ''}>
  ${codeProblem ? html`<p id="code-error" class="alert field-error" role="alert">${t.problems[codeProblem]}</p>` : ''}`}
  <label for="login_id">${t.loginId}</label>
  <p id="login-id-hint" class="hint">${t.loginIdHint}</p>
  <input id="login_id" name="login_id" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="32" required value="${view.loginId}"
    aria-describedby="login-id-hint${loginProblem ? ' login-id-error' : ''}"${loginProblem ? html` aria-invalid="true"` : ''}>
  ${loginProblem ? html`<p id="login-id-error" class="alert field-error" role="alert">${t.problems[loginProblem]}</p>` : ''}
  ${renderNewPasswordFields(all, view.password)}
  ${identityInputs(view.locale, view.values, view.issues, { skip: ['guardian_phone'] })}
  <p class="hint">${all.identity.fields.guardian_phone}: ${view.masked}</p>
  <button type="submit" class="primary">${t.create}</button>
</form>
<form method="post" action="${registerBase}/restart" class="secondary">${csrf(view.csrfToken)}<button type="submit" class="link">${all.forgotPassword.startOver}</button></form>`;
  return renderPage({ ...view, title: t.title, body, scripts: passwordMeterScripts });
}

export function renderRegisterDone(view: PageFrame & { username: string; status: IdentityStatus }): string {
  const t = messages(view.locale).identity.register;
  const body = html`
<h1>${t.title}</h1>
<p class="notice" role="status" id="register-done">${format(t.done, { loginId: view.username })}</p>
<p>${view.status === 'verified' ? t.doneVerified : t.donePending}</p>
<p><a class="button primary" href="/account/identity">${t.signIn}</a></p>`;
  return renderPage({ ...view, title: t.title, body });
}
