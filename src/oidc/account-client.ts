// The account pages (/account) ride on the provider's own SSO session, as CAS does: they read the signed session
// cookie on every request (so signing out of the provider ends access at once), and when there is no session, or
// it is weaker than the person's factors, they send the browser through an ordinary authorization request of
// this internal client, which meets the same sign-in pages and prompts and comes back to /account/callback.
import { createHash } from 'node:crypto';
import { reservedAccountClientId } from '../config/clients.ts';
import { randomToken } from '../lib/crypto.ts';
import { acr } from './acr.ts';

export const accountCallbackPath = '/account/callback';

export function accountClient(issuer: string) {
  return {
    client_id: reservedAccountClientId,
    client_name: 'Account',
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}${accountCallbackPath}`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

/** Signs the browser in (or steps it up to a second factor) and returns to /account/callback with `state`. */
export function accountAuthorizationUrl(issuer: string, state: string, options: { mfa: boolean; locale?: string }): string {
  // The code that comes back is never redeemed: the session cookie is what the account pages read. PKCE is
  // still sent because the provider demands it of every client.
  const challenge = createHash('sha256').update(randomToken(32)).digest('base64url');
  const params = new URLSearchParams({
    client_id: reservedAccountClientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${issuer}${accountCallbackPath}`,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (options.mfa) params.set('acr_values', acr.multiFactor);
  if (options.locale) params.set('ui_locales', options.locale);
  return `${issuer}/auth?${params.toString()}`;
}
