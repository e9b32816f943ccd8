// CAS pages: the `warn` interstitial, the `method=POST` hand-over form, the signed-out page and CAS errors.
import { html } from '../../src/lib/html.ts';
import { format, messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export type CasPageError = 'unknownService' | 'missingService' | 'loginExpired';

export function renderCasWarn(view: PageFrame & { serviceName: string; user: string; continueUrl: string }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${format(t.cas.warnTitle, { app: view.serviceName })}</h1>
<p>${format(t.cas.warnBody, { app: view.serviceName, user: view.user })}</p>
<p><a class="button primary" href="${view.continueUrl}">${t.cas.continue}</a></p>`;
  return renderPage({ ...view, title: t.cas.continue, body });
}

/** CAS 3.0 method=POST: the ticket travels in a form body; a nonce'd script submits it at once. */
export function renderCasPost(view: PageFrame & { service: string; ticket?: string }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.cas.postTitle}</h1>
<form id="cas-post" method="post" action="${view.service}">
  ${view.ticket ? html`<input type="hidden" name="ticket" value="${view.ticket}">` : ''}
  <button type="submit" class="primary">${t.cas.postBody}</button>
</form>`;
  return renderPage({ ...view, title: t.cas.postTitle, body, scripts: ['/assets/cas-post.js'] });
}

export function renderCasLoggedOut(view: PageFrame): string {
  const t = messages(view.locale);
  return renderPage({ ...view, title: t.cas.loggedOutTitle, body: html`<h1>${t.cas.loggedOutTitle}</h1><p>${t.cas.loggedOut}</p>` });
}

export function renderCasError(view: PageFrame & { error: CasPageError; requestId?: string }): string {
  const t = messages(view.locale);
  const body = html`
<h1>${t.error.title}</h1>
<p class="alert" role="alert">${t.cas[view.error]}</p>
${view.requestId ? html`<p class="hint">${format(t.error.requestId, { id: view.requestId })}</p>` : ''}`;
  return renderPage({ ...view, title: t.error.title, body });
}
