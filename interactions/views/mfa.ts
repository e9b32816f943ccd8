// The second-factor step: enter a TOTP code, or (forced enrolment) scan a QR code first and confirm with a code.
import { html } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import { format, messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { passkeyScripts, renderPasskeyForm, type PasskeyOffer } from './passkey.ts';

export interface MfaView extends PageFrame {
  csrfToken: string;
  action: string;
  clientName?: string;
  error?: ErrorCode;
  /** Present when the person has no factor yet and binds one now. */
  enrollment?: { qrDataUrl: string; secret: string };
  /** The person has an authenticator app (so the code field asks for its code). */
  hasTotp?: boolean;
  /** A verified phone that codes can be texted to (masked), and whether a code is waiting. */
  sms?: { phone: string; sent: boolean; action: string };
  /** Enrolment by phone instead of the app: where to send the number, and where a code went (masked). */
  bindPhone?: { action: string; sentTo?: string; phone?: string };
  /** Use a bound passkey, or (enrolment) bind one instead of the app. */
  passkey?: PasskeyOffer;
  /** WECHAT_MFA: where "Confirm with WeChat" starts (interactions/mfa-wechat-routes.ts). */
  wechat?: { href: string };
}

export function renderMfa(view: MfaView): string {
  const t = messages(view.locale);
  const errorText = view.error ? (t.errors as Record<string, string>)[view.error] ?? t.errors.internal_error : '';
  const enrolling = view.enrollment;
  const body = html`
<h1>${enrolling ? t.mfa.enrollTitle : t.mfa.title}</h1>
${enrolling
  ? html`<p>${format(t.mfa.enrollIntro, { app: view.clientName ?? t.siteName })}</p>
<p class="qr"><img src="${enrolling.qrDataUrl}" alt="${t.mfa.qrAlt}" width="220" height="220"></p>
<p class="hint">${t.mfa.manualKey} <code id="totp-secret">${enrolling.secret}</code></p>
${view.bindPhone?.sentTo ? html`<p class="notice" role="status">${format(t.sms.sent, { phone: view.bindPhone.sentTo })}</p>` : ''}`
  : html`${view.hasTotp ? html`<p>${t.mfa.prompt}</p>` : ''}${view.sms?.sent ? html`<p class="notice" role="status">${format(t.sms.sent, { phone: view.sms.phone })}</p>` : ''}<p class="hint">${t.mfa.recoveryHint}</p>`}
${view.passkey
  ? renderPasskeyForm(t, view.passkey, view.passkey.ceremony === 'register'
    ? { csrfToken: view.csrfToken, label: t.passkey.register, intro: t.passkey.registerIntro, errorRegion: 'mfa-error' }
    : { csrfToken: view.csrfToken, label: t.passkey.use, intro: view.hasTotp ? undefined : t.passkey.onlyPrompt, errorRegion: 'mfa-error' })
  : ''}
<div id="mfa-error" class="alert" role="alert"${view.error ? '' : html` hidden`}>${errorText}</div>
<form method="post" action="${view.action}">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <label for="code">${t.mfa.code}</label>
  <input id="code" name="code" type="text" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="24" required autofocus${view.error ? html` aria-describedby="mfa-error"` : ''}>
  <button type="submit" class="primary">${t.mfa.submit}</button>
</form>
${view.sms && !enrolling
  ? html`<form method="post" action="${view.sms.action}" class="alternative">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  ${view.hasTotp ? html`<p>${t.sms.or}</p>` : ''}
  <button type="submit" id="send-sms">${format(view.sms.sent ? t.sms.resend : t.sms.send, { phone: view.sms.phone })}</button>
  <p class="hint">${t.sms.notice}</p>
  <p class="hint"><a href="/account/appeal" id="lost-phone">${t.appeals.link}</a></p>
</form>`
  : ''}
${view.wechat
  ? html`<section class="alternative" aria-labelledby="mfa-wechat-title">
  <p id="mfa-wechat-title">${t.wechatBinding.mfaOr}</p>
  <p><a class="button" id="mfa-wechat" href="${view.wechat.href}">${t.wechatBinding.mfaLink}</a></p>
  <p class="hint">${t.wechatBinding.mfaHint}</p>
</section>`
  : ''}
${view.bindPhone
  ? html`<form method="post" action="${view.bindPhone.action}" class="alternative">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <h2>${t.sms.bindTitle}</h2>
  <p class="hint">${t.sms.bindIntro}</p>
  <label for="phone">${t.sms.phone}</label>
  <input id="phone" name="phone" type="tel" autocomplete="tel" inputmode="tel" maxlength="32" required value="${view.bindPhone.phone ?? ''}">
  <button type="submit" id="bind-phone">${t.sms.bindSend}</button>
  <p class="hint">${t.sms.notice}</p>
</form>`
  : ''}`;
  return renderPage({ ...view, title: t.mfa.title, body, scripts: view.passkey ? passkeyScripts : undefined });
}

export function renderTrustDevice(view: PageFrame & { csrfToken: string; action: string; days: number; recoveryCodes?: string[] }): string {
  const t = messages(view.locale);
  const codes = view.recoveryCodes?.length
    ? html`<h1>${t.mfa.recoveryTitle}</h1><p>${t.mfa.recoveryIntro}</p>
<ol class="recovery-codes">${view.recoveryCodes.map((code) => html`<li><code>${code}</code></li>`)}</ol>`
    : '';
  const body = html`${codes}
<h1>${t.mfa.trustTitle}</h1>
<p>${format(t.mfa.trustQuestion, { days: String(view.days) })}</p>
<form method="post" action="${view.action}" class="actions">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <button type="submit" name="trust" value="no">${t.mfa.trustNo}</button>
  <button type="submit" name="trust" value="yes" class="primary">${t.mfa.trustYes}</button>
</form>`;
  return renderPage({ ...view, title: t.mfa.trustTitle, body });
}
