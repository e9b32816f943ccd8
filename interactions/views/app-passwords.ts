// /account/app-passwords: the list (name, created, last used; revoke each), the create form, and the new password
// shown once. The "confirm it is you" step before creating or revoking one is account.ts's renderConfirm.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { AppPasswordSummary } from '../../src/services/app-passwords.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';

export type AppPasswordError = keyof Messages['appPasswords']['errors'];
export type AppPasswordNotice = keyof Messages['appPasswords']['notices'];
export const appPasswordNotices: readonly AppPasswordNotice[] = ['revoked'];

export function when(locale: Locale, date: Date): SafeHtml {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  return html`<time datetime="${date.toISOString()}">${text}</time>`;
}

/** `template` with `{date}` as a <time> element and the other placeholders filled; all of it escaped. */
export function withDate(template: string, date: SafeHtml, values: Record<string, string> = {}): SafeHtml {
  const [before = '', after = ''] = format(template, values).split('{date}');
  return html`${before}${date}${after}`;
}

export interface AppPasswordsView extends PageFrame {
  csrfToken: string;
  passwords: AppPasswordSummary[];
  notice?: AppPasswordNotice;
  /** The create form after a refused name: the message and what was typed. */
  createError?: { error: AppPasswordError; value: string };
}

export function renderAppPasswords(view: AppPasswordsView): string {
  const t = messages(view.locale).appPasswords;
  const back = messages(view.locale).account.back;
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrfToken}">`;
  const items = view.passwords.map((entry) => {
    const used = entry.lastUsedAt
      ? entry.lastUsedIp
        ? withDate(t.lastUsedFrom, when(view.locale, entry.lastUsedAt), { ip: entry.lastUsedIp })
        : withDate(t.lastUsed, when(view.locale, entry.lastUsedAt))
      : t.neverUsed;
    return html`<li class="item" id="app-password-${entry.id}">
  <strong class="label">${entry.name}</strong>
  <p class="hint">${withDate(t.created, when(view.locale, entry.createdAt))} · ${used}</p>
  <form method="post" action="/account/app-passwords/${entry.id}/revoke">
    ${csrf}
    <button type="submit" class="danger">${t.revoke}</button>
  </form>
</li>`;
  });
  const failed = view.createError;
  const body = html`
<p class="secondary-top"><a href="/account">${back}</a></p>
<h1>${t.title}</h1>
${view.notice ? html`<p class="notice" role="status">${t.notices[view.notice]}</p>` : ''}
<p class="hint">${t.intro}</p>
${view.passwords.length ? html`<ul class="items" id="app-passwords">${items}</ul>` : html`<p id="no-app-passwords">${t.none}</p>`}
<section aria-labelledby="create-title">
<h2 id="create-title">${t.createTitle}</h2>
<form method="post" action="/account/app-passwords" novalidate>
  ${csrf}
  <label for="app-password-name">${t.name}</label>
  <input id="app-password-name" name="name" type="text" maxlength="64" autocomplete="off" required value="${failed?.value ?? ''}" aria-describedby="app-password-name-hint${failed ? ' app-password-name-error' : ''}"${failed ? html` aria-invalid="true" autofocus` : ''}>
  <p id="app-password-name-hint" class="hint">${t.nameHint}</p>
  ${failed ? html`<p id="app-password-name-error" class="alert" role="alert">${t.errors[failed.error]}</p>` : ''}
  <button type="submit" class="primary">${t.create}</button>
</form>
</section>`;
  return renderPage({ ...view, title: t.title, body });
}

export function renderNewAppPassword(view: PageFrame & { name: string; password: string; loginId: string }): string {
  const t = messages(view.locale).appPasswords;
  const body = html`
<h1>${t.newTitle}</h1>
<p>${format(t.newIntro, { name: view.name })}</p>
<p class="app-password"><code id="new-app-password">${view.password}</code></p>
<p class="hint warning">${t.newOnce}</p>
<p class="hint">${format(t.newUsername, { loginId: view.loginId })}</p>
<a class="button primary" href="/account/app-passwords">${t.done}</a>`;
  return renderPage({ ...view, title: t.newTitle, body });
}
