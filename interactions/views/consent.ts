// Consent for third-party apps: what the app will receive, in words, with Allow and Deny.
import { html } from '../../src/lib/html.ts';
import { format, messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export interface ConsentView extends PageFrame {
  csrfToken: string;
  action: string;
  cancelAction: string;
  clientName: string;
  scopes: string[];
}

export function renderConsent(view: ConsentView): string {
  const t = messages(view.locale);
  const items = view.scopes.map((scope) => html`<li>${t.consent.scopes[scope] ?? scope}</li>`);
  const body = html`
<h1>${t.consent.title}</h1>
<p>${format(t.consent.intro, { app: view.clientName })}</p>
<ul class="scopes">${items}</ul>
<div class="actions">
  <form method="post" action="${view.action}">
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    <button type="submit" class="primary">${t.consent.allow}</button>
  </form>
  <form method="post" action="${view.cancelAction}">
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    <button type="submit">${t.consent.deny}</button>
  </form>
</div>`;
  return renderPage({ ...view, title: t.consent.title, body });
}
