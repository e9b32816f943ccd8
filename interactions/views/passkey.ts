// The passkey button shared by the sign-in and second-factor pages: a form that stays hidden until
// /assets/passkey.js finds WebAuthn in the browser, runs the ceremony and posts its result here.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import type { Messages } from '../i18n/en.ts';

export interface PasskeyOffer {
  /** authenticate: use a bound passkey (or any discoverable one, on the sign-in page); register: bind one now. */
  ceremony: 'authenticate' | 'register';
  optionsUrl: string;
  verifyUrl: string;
}

/** The browser library first, then our script that uses it. */
export const passkeyScripts = ['/assets/vendor/simplewebauthn-browser.js', '/assets/passkey.js'];

export function renderPasskeyForm(
  t: Messages,
  offer: PasskeyOffer,
  view: { csrfToken: string; label: string; intro?: string; errorRegion: string },
): SafeHtml {
  return html`<form method="post" action="${offer.verifyUrl}" class="passkey" data-passkey="${offer.ceremony}"
  data-options="${offer.optionsUrl}" data-error-region="${view.errorRegion}" data-cancelled="${t.passkey.cancelled}" hidden>
  <input type="hidden" name="_csrf" value="${view.csrfToken}">
  <input type="hidden" name="ceremony" value="${offer.ceremony}">
  <input type="hidden" name="credential" value="">
  ${view.intro ? html`<p class="hint">${view.intro}</p>` : ''}
  <button type="button" id="passkey-${offer.ceremony}">${view.label}</button>
</form>`;
}
