// Pages of WeChat as a second factor and of binding WeChat from the account pages: the official-account QR
// that the mfa prompt shows, the "Bind WeChat" section of /account/connections, and the page that explains how
// to move a WeChat bound to another campus ID (unbind it there, or prove that ID's password here).
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import { messages } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';

export interface WechatMfaQrView extends PageFrame {
  qrDataUrl: string;
  statusUrl: string;
  /** The server-sent-events stream that reports the scan at once; undefined = the page polls statusUrl. */
  eventsUrl?: string;
  continueUrl: string;
  backUrl: string;
}

/** The official account's temporary QR on the mfa prompt; connect-wait.js hears of the scan (events, else polling). */
export function renderWechatMfaQr(view: WechatMfaQrView): string {
  const all = messages(view.locale);
  const t = all.wechatBinding;
  const body = html`
<h1>${t.mfaQrTitle}</h1>
<p class="hint">${t.mfaQrIntro}</p>
<p class="connect-qr"><img id="connect-qr" src="${view.qrDataUrl}" alt="${all.connect.mpQrAlt}" width="240" height="240"></p>
<p id="connect-status" role="status" aria-live="polite" data-status-url="${view.statusUrl}" data-events-url="${view.eventsUrl ?? ''}" data-scanned="${t.mfaScanned}" data-expired="${all.connect.mpExpired}">${all.connect.mpWaiting}</p>
<p class="secondary"><a href="${view.continueUrl}" id="connect-continue">${all.connect.mpContinue}</a></p>
<p class="secondary"><a href="${view.backUrl}">${t.mfaBack}</a></p>`;
  return renderPage({ ...view, title: t.mfaQrTitle, body, scripts: ['/assets/connect-wait.js'], styles: ['/assets/connect.css'] });
}

/** The "Bind WeChat" section under the list of bound accounts. */
export function renderBindWechatSection(t: Messages, view: { csrfToken: string; action: string }): SafeHtml {
  return html`<section class="alternative" aria-labelledby="bind-wechat-title">
<h2 id="bind-wechat-title">${t.wechatBinding.bindTitle}</h2>
<p class="hint">${t.wechatBinding.bindIntro}</p>
<form method="post" action="${view.action}">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <button type="submit" class="primary" id="bind-wechat">${t.wechatBinding.bindButton}</button>
</form>
</section>`;
}

export interface WechatSwitchView extends PageFrame {
  csrfToken: string;
  action: string;
  backUrl: string;
  loginId?: string;
  error?: ErrorCode | 'same_account';
}

export function renderWechatSwitch(view: WechatSwitchView): string {
  const all = messages(view.locale);
  const t = all.wechatBinding;
  const errorText = view.error === 'same_account'
    ? t.switchSameAccount
    : view.error ? (all.errors as Record<string, string>)[view.error] ?? all.errors.internal_error : '';
  const described = view.error ? html` aria-describedby="switch-error"` : '';
  const body = html`
<h1>${t.switchTitle}</h1>
<p>${t.switchIntro}</p>
<p>${t.switchWayUnbind}</p>
<p>${t.switchWayNow}</p>
${view.error ? html`<p id="switch-error" class="alert" role="alert">${errorText}</p>` : ''}
<form method="post" action="${view.action}" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <label for="switch_login_id">${t.switchLoginId}</label>
  <input id="switch_login_id" name="login_id" type="text" value="${view.loginId ?? ''}" autocomplete="off" autocapitalize="none" spellcheck="false" required maxlength="128" autofocus${described}>
  <label for="switch_password">${t.switchPassword}</label>
  <input id="switch_password" name="password" type="password" autocomplete="off" required maxlength="1024"${described}>
  <button type="submit" class="primary" id="switch-submit">${t.switchSubmit}</button>
</form>
<p class="secondary"><a href="${view.backUrl}">${t.switchCancel}</a></p>`;
  return renderPage({ ...view, title: t.switchTitle, body });
}
