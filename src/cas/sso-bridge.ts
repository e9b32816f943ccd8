// CAS rides on the provider's SSO session. Reading it: the provider's signed session cookie → Session.find.
// Creating it: send the browser through an ordinary authorization request of the internal CAS client, so CAS
// sign-ins meet the same pages and prompts as OIDC ones, and come back to /cas/callback.
import { createHash } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { reservedCasClientId } from '../config/clients.ts';
import { randomToken } from '../lib/crypto.ts';
import { acr } from '../oidc/acr.ts';

export interface SsoSession {
  uid: string;
  accountId: string;
  /** Epoch seconds of the last credential check. */
  loginTs: number;
  acr?: string;
  amr?: string[];
}

export const casCallbackPath = '/cas/callback';

export function casBridgeClient(issuer: string) {
  return {
    client_id: reservedCasClientId,
    client_name: 'CAS',
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}${casCallbackPath}`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

export async function readSsoSession(ctx: Context, provider: Provider): Promise<SsoSession | undefined> {
  const id = ctx.cookies.get('_session', { signed: true });
  if (!id) return undefined;
  const session = await provider.Session.find(id);
  if (!session?.accountId || typeof session.loginTs !== 'number') return undefined;
  return {
    uid: session.uid,
    accountId: session.accountId,
    loginTs: session.loginTs,
    acr: session.acr,
    amr: session.amr,
  };
}

/** The authorization URL that signs the browser in (again, with prompt=login for renew) and returns to CAS. */
export function bridgeAuthorizationUrl(issuer: string, state: string, options: { renew: boolean; mfa: boolean; locale?: string }): string {
  // The code that comes back is never redeemed: the session cookie is what CAS needs. PKCE is still sent
  // because the provider demands it of every client.
  const challenge = createHash('sha256').update(randomToken(32)).digest('base64url');
  const params = new URLSearchParams({
    client_id: reservedCasClientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${issuer}${casCallbackPath}`,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  });
  if (options.renew) params.set('prompt', 'login');
  // The provider's mfa prompt then asks for (or enrols) a second factor before coming back.
  if (options.mfa) params.set('acr_values', acr.multiFactor);
  if (options.locale) params.set('ui_locales', options.locale);
  return `${issuer}/auth?${params.toString()}`;
}
