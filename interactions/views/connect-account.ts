// /account/connections: the WeChat and WeCom accounts bound to this person (when bound, last used), each with an
// "Unbind" button; the "confirm it is you" step before unbinding is account.ts's renderConfirm.
import { html } from '../../src/lib/html.ts';
import type { LinkedIdentity } from '../../src/services/external-identities.ts';
import { messages } from '../i18n/index.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { when, withDate } from './app-passwords.ts';
import { renderBindWechatSection } from './wechat-binding.ts';

export interface ConnectionsView extends PageFrame {
  csrfToken: string;
  identities: LinkedIdentity[];
  notice?: 'unbound' | 'bound' | 'already' | 'moved';
  /** Where "Bind WeChat" posts (the website QR is configured). */
  bindWechat?: { action: string };
}

export function renderConnections(view: ConnectionsView): string {
  const all = messages(view.locale);
  const t = all.connect;
  const items = view.identities.map((identity) => html`<li class="item" id="connection-${identity.id}">
  <strong class="label">${t.names[identity.provider] ?? identity.provider}</strong>
  <p class="hint">${withDate(t.bound, when(view.locale, identity.createdAt))}${identity.lastUsedAt ? html` · ${withDate(t.lastUsed, when(view.locale, identity.lastUsedAt))}` : ''}</p>
  <form method="post" action="/account/connections/${identity.id}/unbind">
    <input type="hidden" name="_csrf" value="${view.csrfToken}">
    <button type="submit" class="danger">${t.unbind}</button>
  </form>
</li>`);
  const body = html`
<p class="secondary-top"><a href="/account">${all.account.back}</a></p>
<h1>${t.accountTitle}</h1>
${view.notice ? html`<p class="notice" role="status">${view.notice === 'unbound' ? t.notices.unbound : all.wechatBinding.notices[view.notice]}</p>` : ''}
<p class="hint">${t.accountIntro}</p>
${view.identities.length ? html`<ul class="items" id="connections">${items}</ul>` : html`<p id="no-connections">${t.none}</p>`}
${view.bindWechat ? renderBindWechatSection(all, { csrfToken: view.csrfToken, action: view.bindWechat.action }) : ''}`;
  return renderPage({ ...view, title: t.accountTitle, body });
}
