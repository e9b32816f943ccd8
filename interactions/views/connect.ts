// WeChat/WeCom pages of the sign-in: the "or sign in with" links under the login form, the official-account QR
// page that waits for the scan, and the page binding an unbound WeChat/WeCom to a campus account.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { ErrorCode } from '../../src/lib/errors.ts';
import { format, messages } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';

/** Where each configured way in starts for this sign-in; a missing entry is not offered. */
export interface ConnectOffer {
  wechat?: string;
  wechatMp?: string;
  wecom?: string;
  /** Inside the WeChat/WeCom app: that app's own authorization, offered instead of QR codes. */
  inApp?: { app: 'wechat' | 'wecom'; href: string };
}

export function renderConnectLinks(t: Messages, offer: ConnectOffer | undefined): SafeHtml | '' {
  if (offer?.inApp) {
    const words = t.wechatInApp;
    return html`<section class="connect" aria-labelledby="connect-title">
  <h2 id="connect-title" class="connect-title">${t.connect.or}</h2>
  <p class="hint" id="connect-in-app-hint">${format(words.hint, { app: words.apps[offer.inApp.app] })}</p>
  <ul class="connect-links">
    <li><a class="button primary" id="connect-${offer.inApp.app}-in-app" href="${offer.inApp.href}" aria-describedby="connect-in-app-hint">${words[offer.inApp.app]}</a></li>
  </ul>
</section>`;
  }
  if (!offer || !(offer.wechat || offer.wechatMp || offer.wecom)) return '';
  const link = (href: string | undefined, label: string, id: string) =>
    href ? html`<li><a class="button" id="${id}" href="${href}">${label}</a></li>` : '';
  return html`<section class="connect" aria-labelledby="connect-title">
  <h2 id="connect-title" class="connect-title">${t.connect.or}</h2>
  <ul class="connect-links">
    ${link(offer.wechat, t.connect.wechat, 'connect-wechat')}
    ${link(offer.wechatMp, t.connect.wechatMp, 'connect-wechat-mp')}
    ${link(offer.wecom, t.connect.wecom, 'connect-wecom')}
  </ul>
</section>`;
}

export interface OfficialAccountQrView extends PageFrame {
  qrDataUrl: string;
  statusUrl: string;
  /** The server-sent-events stream that reports the scan at once; undefined = the page polls statusUrl. */
  eventsUrl?: string;
  continueUrl: string;
  backUrl: string;
}

export function renderOfficialAccountQr(view: OfficialAccountQrView): string {
  const t = messages(view.locale).connect;
  const body = html`
<h1>${t.mpTitle}</h1>
<p class="hint">${t.mpIntro}</p>
<p class="connect-qr"><img id="connect-qr" src="${view.qrDataUrl}" alt="${t.mpQrAlt}" width="240" height="240"></p>
<p id="connect-status" role="status" aria-live="polite" data-status-url="${view.statusUrl}" data-events-url="${view.eventsUrl ?? ''}" data-scanned="${t.mpScanned}" data-expired="${t.mpExpired}">${t.mpWaiting}</p>
<p class="secondary"><a href="${view.continueUrl}" id="connect-continue">${t.mpContinue}</a></p>
<p class="secondary"><a href="${view.backUrl}">${t.back}</a></p>`;
  return renderPage({ ...view, title: t.mpTitle, body, scripts: ['/assets/connect-wait.js'], styles: ['/assets/connect.css'] });
}

export interface BindView extends PageFrame {
  csrfToken: string;
  /** Which identity is being bound: a key of messages.connect.names. */
  provider: string;
  backUrl: string;
  /** Undefined when no SMS gateway is configured: only the password is offered. */
  sms?: { sent: boolean };
  loginId?: string;
  error?: ErrorCode;
  /** Which form the error belongs to. */
  errorIn?: 'password' | 'sms';
}

export function renderBind(view: BindView): string {
  const all = messages(view.locale);
  const t = all.connect;
  const what = t.names[view.provider] ?? t.names.wechat ?? '';
  const errorText = view.error ? (all.errors as Record<string, string>)[view.error] ?? all.errors.internal_error : '';
  const errorFor = (form: 'password' | 'sms') =>
    view.error && (view.errorIn ?? 'password') === form ? html`<p id="bind-${form}-error" class="alert" role="alert">${errorText}</p>` : '';
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrfToken}">`;
  const loginIdField = (id: string, autofocus: boolean) => html`
  <label for="${id}">${all.login.loginId}</label>
  <input id="${id}" name="login_id" type="text" value="${view.loginId ?? ''}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="128"${autofocus ? html` autofocus` : ''}>`;
  const sms = view.sms
    ? html`<section class="alternative" aria-labelledby="bind-sms-title">
<h2 id="bind-sms-title">${t.bySms}</h2>
${errorFor('sms')}
<form method="post" action="/connect/bind/sms/send" novalidate>
  ${csrf}
  ${loginIdField('sms_login_id', false)}
  <button type="submit">${t.sendCode}</button>
</form>
${view.sms.sent
    ? html`<p class="notice" role="status">${t.codeSent}</p>
<form method="post" action="/connect/bind/sms" novalidate>
  ${csrf}
  <input type="hidden" name="login_id" value="${view.loginId ?? ''}">
  <label for="bind_code">${t.code}</label>
  <input id="bind_code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9]*" maxlength="6" required autofocus>
  <button type="submit" class="primary">${t.codeSubmit}</button>
</form>`
    : ''}
</section>`
    : '';
  const body = html`
<h1>${format(t.bindTitle, { what })}</h1>
<p class="hint">${format(t.bindIntro, { what })}</p>
<h2>${t.byPassword}</h2>
${errorFor('password')}
<form method="post" action="/connect/bind/password" novalidate>
  ${csrf}
  ${loginIdField('login_id', !view.sms?.sent)}
  <label for="password">${all.login.password}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
  <button type="submit" class="primary">${t.bindSubmit}</button>
</form>
${sms}
<p class="secondary"><a href="${view.backUrl}">${t.back}</a></p>`;
  return renderPage({ ...view, title: format(t.bindTitle, { what }), body, styles: ['/assets/connect.css'] });
}
