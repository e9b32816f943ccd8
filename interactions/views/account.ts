// The account pages: who is signed in (/account), and /account/security with second factors, recovery codes and
// trusted browsers; the "confirm it is you" step before a sensitive change; new recovery codes, shown once.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { SecurityOverview } from '../../src/services/account-security.ts';
import { format, messages, type Locale } from '../i18n/index.ts';
import type { Messages } from '../i18n/en.ts';
import { renderPage, type PageFrame } from './layout.ts';

type AccountMessages = Messages['account'];
export type AccountNotice = keyof AccountMessages['notices'];
export type AccountError = keyof AccountMessages['errors'];

export const accountNotices: readonly AccountNotice[] = ['renamed', 'removed', 'removedLast', 'browserRevoked', 'browsersRevoked'];

function when(locale: Locale, date: Date): SafeHtml {
  const text = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date);
  return html`<time datetime="${date.toISOString()}">${text}</time>`;
}

/** `{date}` filled with a <time> element; the rest of the template is escaped. */
function withDate(template: string, date: SafeHtml): SafeHtml {
  const [before = '', after = ''] = template.split('{date}');
  return html`${before}${date}${after}`;
}

export function renderAccountHome(view: PageFrame & { displayName: string; loginId: string; outbox?: boolean }): string {
  const t = messages(view.locale).account;
  const body = html`
<h1>${t.title}</h1>
<p id="signed-in-as">${format(t.signedInAs, { name: view.displayName, loginId: view.loginId })}</p>
<ul class="links">
  <li><a href="/account/security">${t.securityLink}</a><br><span class="hint">${t.securityHint}</span></li>
  <li><a href="/account/contacts">${messages(view.locale).contacts.link}</a><br><span class="hint">${messages(view.locale).contacts.linkHint}</span></li>
  <li><a href="/account/password">${messages(view.locale).passwordChange.accountLink}</a><br><span class="hint">${messages(view.locale).passwordChange.accountHint}</span></li>
  <li><a href="/account/sessions">${messages(view.locale).sessions.link}</a><br><span class="hint">${messages(view.locale).sessions.linkHint}</span></li>
  <li><a href="/account/app-passwords">${messages(view.locale).appPasswords.link}</a><br><span class="hint">${messages(view.locale).appPasswords.linkHint}</span></li>
  <li><a href="/account/connections">${messages(view.locale).connect.accountLink}</a><br><span class="hint">${messages(view.locale).connect.accountHint}</span></li>
  <li><a href="/account/identity">${messages(view.locale).identity.archiveLink}</a><br><span class="hint">${messages(view.locale).identity.archiveHint}</span></li>
${view.outbox ? html`  <li><a href="/account/outbox">${messages(view.locale).outbox.link}</a><br><span class="hint">${messages(view.locale).outbox.linkHint}</span></li>` : ''}
</ul>
<p class="secondary"><a href="/session/end">${t.signOut}</a></p>`;
  return renderPage({ ...view, title: t.title, body });
}

export interface SecurityView extends PageFrame {
  csrfToken: string;
  overview: SecurityOverview;
  /** The trust id in this browser's cookie, to mark it in the list. */
  thisBrowserId?: string;
  /** Removing the last factor means enrolling again at the next sign-in. */
  mfaRequired: boolean;
  notice?: AccountNotice;
  renameError?: { factorId: string; error: AccountError; value: string };
}

export function renderSecurity(view: SecurityView): string {
  const t = messages(view.locale).account;
  const { factors, recoveryCodesLeft, trustedBrowsers } = view.overview;
  const csrf = html`<input type="hidden" name="_csrf" value="${view.csrfToken}">`;
  const onlyOne = factors.length === 1;

  const factorItems = factors.map((factor) => {
    const failed = view.renameError?.factorId === factor.id ? view.renameError : undefined;
    const errorId = `rename-error-${factor.id}`;
    return html`<li class="item" id="factor-${factor.id}" data-kind="${factor.kind}">
  <strong class="label">${factor.label}</strong> <span class="hint">${t.kinds[factor.kind] ?? factor.kind}</span>
  <p class="hint">${withDate(t.added, when(view.locale, factor.createdAt))} · ${factor.lastUsedAt ? withDate(t.lastUsed, when(view.locale, factor.lastUsedAt)) : t.neverUsed}</p>
  <form method="post" action="/account/security/factors/${factor.id}/rename" class="row" novalidate>
    ${csrf}
    <label for="label-${factor.id}" class="visually-hidden">${t.name}</label>
    <input id="label-${factor.id}" name="label" type="text" maxlength="64" value="${failed ? failed.value : factor.label}"${failed ? html` aria-invalid="true" aria-describedby="${errorId}"` : ''}>
    <button type="submit">${t.rename}</button>
  </form>
  ${failed ? html`<p id="${errorId}" class="alert" role="alert">${t.errors[failed.error]}</p>` : ''}
  ${onlyOne && view.mfaRequired ? html`<p class="hint warning">${t.lastFactorWarning}</p>` : ''}
  <form method="post" action="/account/security/factors/${factor.id}/remove">
    ${csrf}
    <button type="submit" class="danger">${t.remove}</button>
  </form>
</li>`;
  });

  const browserItems = trustedBrowsers.map((browser) => html`<li class="item" id="browser-${browser.id}">
  <span class="label">${browser.label}</span>${browser.id === view.thisBrowserId ? html` <strong class="tag">${t.thisBrowser}</strong>` : ''}
  <p class="hint">${withDate(t.trustedOn, when(view.locale, browser.createdAt))} · ${browser.lastUsedAt ? withDate(t.lastUsed, when(view.locale, browser.lastUsedAt)) : t.neverUsed} · ${withDate(t.expires, when(view.locale, browser.expiresAt))}</p>
  <form method="post" action="/account/security/browsers/${browser.id}/revoke">
    ${csrf}
    <button type="submit">${t.revoke}</button>
  </form>
</li>`);

  const body = html`
<p class="secondary-top"><a href="/account">${t.back}</a></p>
<h1>${t.securityTitle}</h1>
${view.notice ? html`<p class="notice" role="status">${t.notices[view.notice]}</p>` : ''}
<section aria-labelledby="factors-title">
<h2 id="factors-title">${t.factorsTitle}</h2>
${factors.length ? html`<ul class="items" id="factors">${factorItems}</ul>` : html`<p>${t.noFactors}</p>`}
<p class="hint">${messages(view.locale).appeals.linkIntro} <a href="/account/appeal" id="lost-phone">${messages(view.locale).appeals.link}</a></p>
</section>
${factors.length || recoveryCodesLeft
  ? html`<section aria-labelledby="recovery-title">
<h2 id="recovery-title">${t.recoveryTitle}</h2>
<p id="recovery-left">${format(t.recoveryLeft, { count: String(recoveryCodesLeft) })}</p>
${factors.length
  ? html`<form method="post" action="/account/security/recovery-codes">
  ${csrf}
  <p class="hint">${t.regenerateHint}</p>
  <button type="submit">${t.regenerate}</button>
</form>`
  : ''}
</section>`
  : ''}
<section aria-labelledby="browsers-title">
<h2 id="browsers-title">${t.browsersTitle}</h2>
<p class="hint">${t.browsersIntro}</p>
${trustedBrowsers.length
  ? html`<ul class="items" id="browsers">${browserItems}</ul>
<form method="post" action="/account/security/browsers/revoke-all">
  ${csrf}
  <button type="submit">${t.revokeAll}</button>
</form>`
  : html`<p>${t.noBrowsers}</p>`}
</section>`;
  return renderPage({ ...view, title: t.securityTitle, body });
}

/** described: another page's action in its own words, and where "Cancel" goes back to. */
export type ConfirmedAction = { kind: 'remove' | 'rename'; label: string } | { kind: 'regenerate' } | { kind: 'described'; text: string; back: string };

export interface ConfirmView extends PageFrame {
  csrfToken: string;
  /** The action being confirmed: the form posts there again, with the proof. */
  action: string;
  what: ConfirmedAction;
  /** Carried over from the first form (e.g. the new name). */
  fields: Record<string, string>;
  /** Offer the authenticator code (the person has one); the password is always offered. */
  offerCode: boolean;
  warning?: boolean;
  error?: AccountError;
}

export function renderConfirm(view: ConfirmView): string {
  const t = messages(view.locale).account;
  const what =
    view.what.kind === 'regenerate'
      ? t.confirmRegenerate
      : view.what.kind === 'described'
        ? view.what.text
        : format(view.what.kind === 'remove' ? t.confirmRemove : t.confirmRename, { label: view.what.label });
  const described = view.error ? html` aria-describedby="confirm-error"` : '';
  const body = html`
<h1>${t.confirmTitle}</h1>
<p>${what}</p>
${view.warning ? html`<p class="hint warning">${t.lastFactorWarning}</p>` : ''}
<p>${view.offerCode ? t.confirmWithCode : t.confirmWithPassword}</p>
<div id="confirm-error" class="alert" role="alert"${view.error ? '' : html` hidden`}>${view.error ? t.errors[view.error] : ''}</div>
<form method="post" action="${view.action}" novalidate>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <input type="hidden" name="confirm" value="1">
  ${Object.entries(view.fields).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
  ${view.offerCode
    ? html`<label for="code">${t.code}</label>
  <input id="code" name="code" type="text" inputmode="numeric" autocomplete="one-time-code" autocapitalize="none" spellcheck="false" maxlength="24" autofocus${described}>`
    : ''}
  <label for="password">${t.password}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" maxlength="1024"${view.offerCode ? '' : html` autofocus`}${described}>
  <button type="submit" class="primary">${t.confirm}</button>
</form>
<p class="secondary"><a href="${view.what.kind === 'described' ? view.what.back : '/account/security'}">${t.cancel}</a></p>`;
  return renderPage({ ...view, title: t.confirmTitle, body });
}

export function renderNewRecoveryCodes(view: PageFrame & { codes: string[] }): string {
  const t = messages(view.locale).account;
  const body = html`
<h1>${t.newCodesTitle}</h1>
<p>${t.newCodesIntro}</p>
<ol class="recovery-codes">${view.codes.map((code) => html`<li><code>${code}</code></li>`)}</ol>
<a class="button primary" href="/account/security">${t.done}</a>`;
  return renderPage({ ...view, title: t.newCodesTitle, body });
}
