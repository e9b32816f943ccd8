// Bodies of the admin console's user pages: the search form with its results, and one person's page (status,
// roles, factors, contacts, WeChat identities, sessions, lockout, recent events, and the actions the viewer's
// role allows, each with its required reason). The admin shell (kit.render) adds the nav and the title.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { UserProfile, UserSummary } from '../../src/services/admin-user-actions.ts';
import type { AuthEventRecord } from '../../src/services/audit-log.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import { csrfField, reasonField } from './admin-layout.ts';

export const userActions = ['disable', 'enable', 'forceReset', 'signOut', 'unlock', 'unbindFactor', 'unbindIdentity'] as const;
export type UserAction = (typeof userActions)[number];

/** "2026-11-30 08:15 UTC": the same on every page and in the CSV. */
export const when = (at: Date): string => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export function renderUserSearch(locale: Locale, view: { query: string; tooShort: boolean; result?: { users: UserSummary[]; more: boolean }; limit: number }): SafeHtml {
  const t = messages(locale).admin.users;
  const results = view.result
    ? view.result.users.length
      ? html`<h2 id="results">${t.results}</h2>
<div class="table-wrap"><table class="admin" aria-labelledby="results">
<thead><tr><th scope="col">${t.loginId}</th><th scope="col">${t.name}</th><th scope="col">${t.type}</th><th scope="col">${t.department}</th><th scope="col">${t.status}</th></tr></thead>
<tbody>${view.result.users.map(
          (user) => html`<tr><td><a href="/admin/users/${user.id}">${user.username}</a></td><td>${user.displayName}</td><td>${user.type}</td><td>${user.department ?? ''}</td><td>${t.statuses[user.status] ?? user.status}</td></tr>`,
        )}</tbody></table></div>
${view.result.more ? html`<p class="hint">${format(t.more, { count: String(view.limit) })}</p>` : ''}`
      : html`<p role="status">${t.none}</p>`
    : '';
  return html`<form method="get" action="/admin/users" class="filters" role="search">
  <div><label for="q">${t.searchLabel}</label>
  <input id="q" name="q" type="search" value="${view.query}" minlength="2" maxlength="100" autofocus${view.tooShort ? html` aria-invalid="true" aria-describedby="q-error"` : html` aria-describedby="q-hint"`}></div>
  <button type="submit" class="primary">${t.search}</button>
</form>
${view.tooShort ? html`<p id="q-error" class="alert" role="alert">${t.tooShort}</p>` : html`<p id="q-hint" class="hint">${t.searchHint}</p>`}
${results}`;
}

export interface UserPageView {
  profile: UserProfile;
  history: AuthEventRecord[];
  csrfToken: string;
  /** Actions the viewer may take (admin: all; helpdesk: unlock). */
  allowed: ReadonlySet<UserAction>;
  notice?: { action: UserAction; changed: boolean; count?: number };
}

const actionPath: Record<Exclude<UserAction, 'unbindFactor' | 'unbindIdentity'>, string> = {
  disable: 'disable',
  enable: 'enable',
  forceReset: 'force-password-reset',
  signOut: 'sign-out-everywhere',
  unlock: 'unlock',
};

export function renderUserPage(locale: Locale, view: UserPageView): SafeHtml {
  const words = messages(locale).admin;
  const t = words.users;
  const { user, security, identities, sessions } = view.profile;
  const base = `/admin/users/${user.id}`;
  const actionForm = (action: keyof typeof actionPath, danger = false) =>
    view.allowed.has(action)
      ? html`<section class="admin-action" aria-labelledby="h-${action}"><h3 id="h-${action}">${t.actions[action]}</h3>
<form method="post" action="${base}/${actionPath[action]}">${csrfField(view.csrfToken)}
${reasonField(locale, `reason-${action}`)}
<button type="submit"${danger ? html` class="danger"` : ''}>${t.actions[action]}</button></form></section>`
      : '';
  const unbindForm = (action: 'unbindFactor' | 'unbindIdentity', path: string, id: string, name: string) =>
    view.allowed.has(action)
      ? html`<form method="post" action="${path}">${csrfField(view.csrfToken)}
${reasonField(locale, `reason-${action}-${id}`)}
<button type="submit" class="danger" aria-label="${t.actions[action]}: ${name}">${t.actions[action]}</button></form>`
      : '';
  const notice = view.notice
    ? html`<p class="notice" role="status" id="notice">${view.notice.changed
        ? format(t.done[view.notice.action] ?? '', { count: String(view.notice.count ?? 0) })
        : t.already[view.notice.action] ?? ''}${view.notice.changed && view.notice.action === 'enable' && user.status === 'pending' ? ` ${t.pendingEnable}` : ''}</p>`
    : '';

  const contacts = user.contacts.length
    ? html`<ul class="items">${user.contacts.map((contact) => html`<li>${t.contactRoles[contact.role] ?? contact.role}: <code>${contact.value}</code> (${contact.verifiedAt ? t.verified : t.unverified})</li>`)}</ul>`
    : html`<p>${t.noContacts}</p>`;
  const factors = security.factors.length
    ? html`<ul class="items">${security.factors.map(
        (factor) => html`<li><strong>${factor.label}</strong> · ${t.kinds[factor.kind] ?? factor.kind} · ${format(t.added, { date: when(factor.createdAt) })}${factor.lastUsedAt ? html` · ${format(t.lastUsed, { date: when(factor.lastUsedAt) })}` : ''}
${unbindForm('unbindFactor', `${base}/factors/${factor.id}/unbind`, factor.id, factor.label)}</li>`,
      )}</ul>`
    : html`<p>${t.noFactors}</p>`;
  const linked = identities.length
    ? html`<ul class="items">${identities.map(
        (identity) => html`<li>${t.providers[identity.provider] ?? identity.provider} · ${format(t.added, { date: when(identity.createdAt) })}${identity.lastUsedAt ? html` · ${format(t.lastUsed, { date: when(identity.lastUsedAt) })}` : ''}
${unbindForm('unbindIdentity', `${base}/identities/${identity.id}/unbind`, identity.id, t.providers[identity.provider] ?? identity.provider)}</li>`,
      )}</ul>`
    : html`<p>${t.noIdentities}</p>`;
  const browsers = sessions.length
    ? html`<ul class="items">${sessions.map((session) => html`<li>${format(t.signedInAt, { date: when(session.loginTs) })}${session.ip ? html` · <code>${session.ip}</code>` : ''}${session.place ? html` (${session.place})` : ''}${session.userAgent ? html`<div class="hint">${session.userAgent}</div>` : ''}</li>`)}</ul>`
    : html`<p>${t.noSessions}</p>`;
  const history = view.history.length
    ? html`<div class="table-wrap"><table class="admin"><thead><tr><th scope="col">${words.audit.when}</th><th scope="col">${words.audit.type}</th><th scope="col">${words.audit.ip}</th></tr></thead>
<tbody>${view.history.map((event) => html`<tr><td>${when(event.createdAt)}</td><td><code>${event.type}</code></td><td>${event.ip ?? ''}</td></tr>`)}</tbody></table></div>
<p><a href="/admin/audit?user=${encodeURIComponent(user.username)}">${words.audit.title}</a></p>`
    : html`<p>${words.audit.none}</p>`;

  return html`${notice}
<dl class="facts">
<dt>${t.loginId}</dt><dd>${user.username}</dd>
<dt>${t.name}</dt><dd>${user.displayName}</dd>
<dt>${t.type}</dt><dd>${user.type}</dd>
<dt>${t.department}</dt><dd>${user.department ?? ''}</dd>
<dt>${t.status}</dt><dd id="user-status">${t.statuses[user.status] ?? user.status}${view.profile.passwordChangeRequired ? html` · ${t.resetRequired}` : ''}</dd>
<dt>${t.roles}</dt><dd>${user.roles.length ? user.roles.map((role) => words.roles[role] ?? role).join(', ') : t.noRoles}</dd>
<dt>${t.created}</dt><dd>${when(user.createdAt)}</dd>
<dt>${t.passwordChanged}</dt><dd>${user.passwordChangedAt ? when(user.passwordChangedAt) : t.never}</dd>
</dl>
<h2>${t.lockoutTitle}</h2>
<p id="lockout">${view.profile.locked ? t.locked : t.notLocked}</p>
<h2>${t.factorsTitle}</h2>
${factors}
<p class="hint">${format(t.recoveryLeft, { count: String(security.recoveryCodesLeft) })}</p>
<h2>${t.contactsTitle}</h2>
${contacts}
<h2>${t.identitiesTitle}</h2>
${linked}
<h2>${t.sessionsTitle}</h2>
${browsers}
${view.allowed.size ? html`<h2>${t.actionsTitle}</h2>` : ''}
${view.profile.locked ? actionForm('unlock') : ''}
${user.status === 'disabled' ? actionForm('enable') : actionForm('disable', true)}
${actionForm('forceReset', true)}
${actionForm('signOut')}
<h2>${t.historyTitle}</h2>
${history}`;
}
