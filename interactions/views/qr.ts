// Scan-to-confirm pages: the QR section of the sign-in page (filled in by /assets/qr-login.js), the phone's
// approval page with number matching, its outcomes, the typed-code page, and the kiosk device grant's pages,
// which show the same "what is asking" details as the phone approval.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';

export const qrStyles = ['/assets/qr.css'];

/** What the person approving is told about the device asking to sign in. */
export interface RequestDetails {
  app: string;
  browser?: string;
  os?: string;
  ip: string;
  /** A campus network's label, or undefined (then "not on a campus network we know"). */
  place?: string;
  /** Epoch milliseconds when the request started; left out when unknown. */
  time?: number;
}

function formatTime(locale: Locale, time: number): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' }).format(new Date(time));
}

function renderDetails(t: Messages, locale: Locale, details: RequestDetails): SafeHtml {
  const row = (id: string, label: string, value: string | undefined) =>
    html`<div><dt>${label}</dt><dd id="qr-${id}">${value ?? t.qr.unknown}</dd></div>`;
  return html`<dl class="qr-details">
${row('app', t.qr.app, details.app)}
${row('browser', t.qr.browser, details.browser)}
${row('system', t.qr.system, details.os)}
${row('ip', t.qr.ip, details.ip)}
${row('place', t.qr.place, details.place ?? t.qr.placeUnknown)}
${details.time === undefined ? '' : row('time', t.qr.time, formatTime(locale, details.time))}
</dl>`;
}

/** The sign-in page's QR section: hidden until the script has fetched a code (no script, no QR). */
export function renderQrLoginSection(t: Messages, startUrl: string): SafeHtml {
  return html`<section id="qr-login" class="qr-login" hidden data-start="${startUrl}"
  data-scanned="${t.qr.scanned}" data-approved="${t.qr.approved}" data-denied="${t.qr.denied}"
  data-mismatch="${t.qr.mismatch}" data-expired="${t.qr.expired}" data-unavailable="${t.qr.unavailable}">
  <h2>${t.qr.sectionTitle}</h2>
  <p class="hint">${t.qr.sectionIntro}</p>
  <p class="qr-image"><img id="qr-image" alt="${t.qr.qrAlt}" width="200" height="200"></p>
  <p class="hint"><span id="qr-type-hint" data-template="${t.qr.typeCode}"></span> <code id="qr-code" class="qr-code"></code></p>
  <p>${t.qr.numberIntro} <strong id="qr-digits" class="qr-digits"></strong></p>
  <p id="qr-status" class="qr-status" role="status" aria-live="polite"></p>
  <button type="button" id="qr-new" hidden>${t.qr.newCode}</button>
</section>`;
}

export const qrLoginScripts = ['/assets/qr-login.js'];

export interface QrApproveView extends PageFrame {
  csrfToken: string;
  action: string;
  displayName: string;
  loginId: string;
  details: RequestDetails;
  choices: number[];
  /** The person pressed Approve without picking a number. */
  pickMissing?: boolean;
}

export function renderQrApprove(view: QrApproveView): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.qr.phoneTitle}</h1>
<p>${format(t.qr.phoneIntro, { name: view.displayName, loginId: view.loginId })}</p>
${renderDetails(t, view.locale, view.details)}
<div id="qr-error" class="alert" role="alert"${view.pickMissing ? '' : html` hidden`}>${t.qr.pickMissing}</div>
<form method="post" action="${view.action}">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <fieldset class="qr-numbers"${view.pickMissing ? html` aria-describedby="qr-error"` : ''}>
    <legend>${t.qr.pickNumber}</legend>
    ${view.choices.map((choice) => html`<label class="qr-number"><input type="radio" name="number" value="${choice}"><span>${choice}</span></label>`)}
  </fieldset>
  <div class="actions">
    <button type="submit" name="decision" value="deny" class="danger">${t.qr.deny}</button>
    <button type="submit" name="decision" value="approve" class="primary">${t.qr.approve}</button>
  </div>
</form>`;
  return renderPage({ ...view, title: t.qr.phoneTitle, body, styles: qrStyles });
}

export type QrOutcome = 'approved' | 'denied' | 'mismatch' | 'gone';

export function renderQrOutcome(view: PageFrame & { outcome: QrOutcome }): string {
  const t = messages(view.locale);
  const words: Record<QrOutcome, { title: string; text: string }> = {
    approved: { title: t.qr.approvedTitle, text: t.qr.approvedText },
    denied: { title: t.qr.deniedTitle, text: t.qr.deniedText },
    mismatch: { title: t.qr.deniedTitle, text: t.qr.mismatchText },
    gone: { title: t.qr.goneTitle, text: t.qr.goneText },
  };
  const { title, text } = words[view.outcome];
  const body = html`
<h1>${title}</h1>
<p id="qr-outcome" class="${view.outcome === 'approved' ? 'notice' : 'alert'}" role="${view.outcome === 'approved' ? 'status' : 'alert'}">${text}</p>`;
  return renderPage({ ...view, title, body, styles: qrStyles });
}

export function renderQrEnterCode(view: PageFrame & { csrfToken: string; action: string; code?: string; invalid?: boolean }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.qr.enterTitle}</h1>
<p>${t.qr.enterIntro}</p>
<div id="qr-error" class="alert" role="alert"${view.invalid ? '' : html` hidden`}>${t.qr.codeInvalid}</div>
<form method="post" action="${view.action}">
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <label for="code">${t.qr.codeLabel}</label>
  <input id="code" name="code" type="text" value="${view.code ?? ''}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="16" required autofocus${view.invalid ? html` aria-describedby="qr-error"` : ''}>
  <button type="submit" class="primary">${t.qr.next}</button>
</form>`;
  return renderPage({ ...view, title: t.qr.enterTitle, body, styles: qrStyles });
}

/** RFC 8628 user-code entry; the form posts to the provider's own endpoint with its own xsrf token. */
export type DeviceInputProblem = 'invalid' | 'expired' | 'used' | 'aborted' | 'error';

export function renderDeviceInput(view: PageFrame & { action: string; xsrf: string; problem?: DeviceInputProblem; code?: string }): string {
  const t = messages(view.locale);
  const problems: Record<DeviceInputProblem, string> = {
    invalid: t.qr.deviceInvalid, expired: t.qr.deviceExpired, used: t.qr.deviceUsed, aborted: t.qr.deviceAborted, error: t.qr.deviceError,
  };
  const body = html`
<h1>${t.qr.deviceTitle}</h1>
<p>${t.qr.deviceIntro}</p>
<div id="device-error" class="alert" role="alert"${view.problem ? '' : html` hidden`}>${view.problem ? problems[view.problem] : ''}</div>
<form method="post" action="${view.action}">
  <input type="hidden" name="xsrf" value="${view.xsrf}">
  <label for="user_code">${t.qr.deviceCode}</label>
  <input id="user_code" name="user_code" type="text" value="${view.code ?? ''}" autocomplete="off" autocapitalize="characters" spellcheck="false" maxlength="32" required autofocus${view.problem ? html` aria-describedby="device-error"` : ''}>
  <button type="submit" class="primary">${t.qr.next}</button>
</form>`;
  return renderPage({ ...view, title: t.qr.deviceTitle, body, styles: qrStyles });
}

export function renderDeviceConfirm(view: PageFrame & { action: string; xsrf: string; userCode: string; details: RequestDetails }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.qr.deviceConfirmTitle}</h1>
<p>${format(t.qr.deviceConfirmIntro, { app: view.details.app, code: view.userCode })}</p>
${renderDetails(t, view.locale, view.details)}
<form method="post" action="${view.action}">
  <input type="hidden" name="xsrf" value="${view.xsrf}">
  <input type="hidden" name="user_code" value="${view.userCode}">
  <input type="hidden" name="confirm" value="yes">
  <div class="actions">
    <button type="submit" name="abort" value="yes" class="danger">${t.qr.deviceAbort}</button>
    <button type="submit" class="primary">${t.qr.deviceConfirm}</button>
  </div>
</form>`;
  return renderPage({ ...view, title: t.qr.deviceConfirmTitle, body, styles: qrStyles });
}

export function renderDeviceDone(view: PageFrame & { app: string }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.qr.deviceDoneTitle}</h1>
<p class="notice" role="status">${format(t.qr.deviceDone, { app: view.app })}</p>`;
  return renderPage({ ...view, title: t.qr.deviceDoneTitle, body, styles: qrStyles });
}
