// /account/sessions: the browsers signed in to this account (device, address, named network, time, apps) with
// "sign out" for each other one and "sign out everywhere else", then the last 20 sign-in events.
import { html } from '../../src/lib/html.ts';
import type { AccountSession } from '../../src/services/account-sessions.ts';
import type { AuthEventRecord } from '../../src/services/audit-log.ts';
import { format, messages } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';
import { when, withDate } from './app-passwords.ts';

export type SessionNotice = keyof Messages['sessions']['notices'];
export const sessionNotices: readonly SessionNotice[] = ['revoked', 'revokedOthers'];

/** "Chrome on Windows" from a user agent: enough to recognise a device, no more. */
export function describeDevice(userAgent: string | undefined | null): string | undefined {
  if (!userAgent) return undefined;
  const browser = [
    [/Edg\//, 'Edge'], [/OPR\/|Opera/, 'Opera'], [/MicroMessenger/, 'WeChat'], [/Firefox\//, 'Firefox'],
    [/Chrome\/|Chromium\/|CriOS\//, 'Chrome'], [/Safari\//, 'Safari'], [/curl\//, 'curl'],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  const system = [
    [/Windows/, 'Windows'], [/Android/, 'Android'], [/iPhone|iPad|iOS/, 'iOS'], [/Mac OS X|Macintosh/, 'macOS'],
    [/CrOS/, 'ChromeOS'], [/Linux/, 'Linux'],
  ].find(([pattern]) => (pattern as RegExp).test(userAgent))?.[1] as string | undefined;
  if (browser && system) return `${browser} · ${system}`;
  return browser ?? system ?? userAgent.slice(0, 60);
}

export interface SessionsView extends PageFrame {
  csrfToken: string;
  sessions: AccountSession[];
  /** Display names of the apps (client ids → names). */
  appNames: Record<string, string>;
  history: AuthEventRecord[];
  notice?: SessionNotice;
}

export function renderSessions(view: SessionsView): string {
  const t = messages(view.locale).sessions;
  const back = messages(view.locale).account.back;
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrfToken}">`;
  const others = view.sessions.filter((session) => !session.current);

  const items = view.sessions.map((session) => {
    const apps = session.apps.map((id) => t.appNames[id] ?? view.appNames[id] ?? id);
    return html`<li class="item" id="session-${session.uid}"${session.current ? html` data-current="true"` : ''}>
  <strong class="label">${describeDevice(session.userAgent) ?? t.unknownDevice}</strong>${session.current ? html` <strong class="tag">${t.thisBrowser}</strong>` : ''}
  <p class="hint">${withDate(t.signedIn, when(view.locale, session.loginTs))}${session.lastSeen ? html` · ${withDate(t.lastActive, when(view.locale, session.lastSeen))}` : ''}</p>
  ${session.ip ? html`<p class="hint">${format(t.address, { ip: session.ip })} · ${session.place ?? t.noPlace}</p>` : ''}
  ${apps.length ? html`<p class="hint">${format(t.apps, { apps: apps.join(', ') })}</p>` : ''}
  ${session.current
    ? html`<p class="hint">${t.signOutThis}</p>`
    : html`<form method="post" action="/account/sessions/${session.uid}/revoke">
    ${csrf}
    <button type="submit" class="danger">${t.signOut}</button>
  </form>`}
</li>`;
  });

  const events = view.history.map((event) => html`<li class="item" data-type="${event.type}">
  <strong>${t.events[event.type] ?? event.type}</strong> · ${when(view.locale, event.createdAt)}
  <p class="hint">${event.ip ? format(t.address, { ip: event.ip }) : ''}${event.ip && event.userAgent ? ' · ' : ''}${describeDevice(event.userAgent) ?? ''}</p>
</li>`);

  const body = html`
<p class="secondary-top"><a href="/account">${back}</a></p>
<h1>${t.title}</h1>
${view.notice ? html`<p class="notice" role="status">${t.notices[view.notice]}</p>` : ''}
<p class="hint">${t.intro}</p>
<ul class="items" id="sessions">${items}</ul>
${others.length
  ? html`<form method="post" action="/account/sessions/revoke-others">
  ${csrf}
  <p class="hint">${t.signOutOthersHint}</p>
  <button type="submit">${t.signOutOthers}</button>
</form>`
  : html`<p id="no-other-sessions">${t.noOthers}</p>`}
<section aria-labelledby="history-title">
<h2 id="history-title">${t.historyTitle}</h2>
<p class="hint">${t.historyIntro}</p>
${view.history.length ? html`<ul class="items" id="history">${events}</ul>` : html`<p>${t.historyNone}</p>`}
</section>`;
  return renderPage({ ...view, title: t.title, body });
}
