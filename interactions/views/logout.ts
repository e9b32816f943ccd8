// Logout confirmation (the form comes from oidc-provider, carrying its own xsrf field) and the signed-out page.
import { html, SafeHtml } from '../../src/lib/html.ts';
import { format, messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';

export interface LogoutView extends PageFrame {
  /** oidc-provider's complete `<form id="op.logoutForm">` with its xsrf field; our buttons submit it. */
  providerForm: string;
  clientName?: string;
}

export function renderLogoutConfirm(view: LogoutView): string {
  const t = messages(view.locale);
  // oidc-provider signs out when the form carries logout=yes; anything else keeps the session.
  const form = new SafeHtml(view.providerForm);
  const body = html`
<h1>${t.logout.title}</h1>
${view.clientName ? html`<p>${format(t.logout.fromApp, { app: view.clientName })}</p>` : ''}
<p>${t.logout.question}</p>
${form}
<div class="actions">
  <button type="submit" form="op.logoutForm" name="logout" value="yes" class="primary" autofocus>${t.logout.confirm}</button>
  <button type="submit" form="op.logoutForm">${t.logout.cancel}</button>
</div>`;
  return renderPage({ ...view, title: t.logout.title, body });
}

export function renderLoggedOut(view: PageFrame): string {
  const t = messages(view.locale);
  return renderPage({ ...view, title: t.logout.doneTitle, body: html`<h1>${t.logout.doneTitle}</h1><p>${t.logout.done}</p>` });
}
