// The sign-in page: login ID + password, a show-password toggle, one error region that never says whether the
// account exists, and the way to "forgot password".
import { html } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import { format, messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { passkeyScripts, renderPasskeyForm, type PasskeyOffer } from './passkey.ts';
import { qrLoginScripts, qrStyles, renderQrLoginSection } from './qr.ts';
import { renderConnectLinks, type ConnectOffer } from './connect.ts';

export interface LoginView extends PageFrame {
  csrfToken: string;
  action: string;
  loginId?: string;
  error?: ErrorCode;
  clientName?: string;
  forgotPasswordUrl: string;
  /** Passwordless sign-in with a discoverable passkey. */
  passkey?: PasskeyOffer;
  /** Sign-in with WeChat / WeCom, when configured. */
  connect?: ConnectOffer;
}

export function renderLogin(view: LoginView): string {
  const t = messages(view.locale);
  const errorText = view.error ? (t.errors as Record<string, string>)[view.error] ?? t.errors.internal_error : '';
  const describedBy = view.error ? 'login-error' : undefined;
  const focusPassword = Boolean(view.loginId);
  const body = html`
<h1>${t.login.title}</h1>
${view.clientName ? html`<p class="subtitle">${format(t.login.toApp, { app: view.clientName })}</p>` : ''}
<div id="login-error" class="alert" role="alert"${view.error ? '' : html` hidden`}>${errorText}</div>
<form method="post" action="${view.action}" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <label for="login_id">${t.login.loginId}</label>
  <input id="login_id" name="login_id" type="text" value="${view.loginId ?? ''}" autocomplete="username"
    autocapitalize="none" spellcheck="false" required maxlength="128" aria-describedby="login-id-hint${describedBy ? ` ${describedBy}` : ''}"${focusPassword ? '' : html` autofocus`}>
  <p id="login-id-hint" class="hint">${t.login.loginIdHint}</p>
  <label for="password">${t.login.password}</label>
  <div class="password-row">
    <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${describedBy ? html` aria-describedby="${describedBy}"` : ''}${focusPassword ? html` autofocus` : ''}>
    <button type="button" class="toggle" data-show="${t.login.showPassword}" data-hide="${t.login.hidePassword}" aria-controls="password" aria-pressed="false" hidden>${t.login.showPassword}</button>
  </div>
  <button type="submit" class="primary">${t.login.submit}</button>
</form>
${view.passkey ? renderPasskeyForm(t, view.passkey, { csrfToken: view.csrfToken, label: t.passkey.signIn, errorRegion: 'login-error' }) : ''}
<p class="secondary"><a href="${view.forgotPasswordUrl}">${t.login.forgotPassword}</a></p>
${renderConnectLinks(t, view.connect)}
${renderQrLoginSection(t, view.action.replace(/\/login$/, '/qr'))}`;
  return renderPage({ ...view, title: t.login.title, body, scripts: ['/assets/login.js', ...(view.passkey ? passkeyScripts : []), ...qrLoginScripts], styles: [...(view.connect ? ['/assets/connect.css'] : []), ...qrStyles] });
}
