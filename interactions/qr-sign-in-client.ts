// The internal client through which a phone that opened a QR code (and is not signed in yet) signs in, as the
// account pages do: an ordinary authorization request meeting the same sign-in pages, back to /qr/callback.
import { createHash } from 'node:crypto';
import { randomToken } from '../src/lib/crypto.ts';
import { reservedQrClientId } from '../src/config/clients.ts';

export const qrClientId = reservedQrClientId;
export const qrCallbackPath = '/qr/callback';

export function qrSignInClient(issuer: string) {
  return {
    client_id: qrClientId,
    client_name: 'QR sign-in',
    token_endpoint_auth_method: 'none',
    redirect_uris: [`${issuer}${qrCallbackPath}`],
    grant_types: ['authorization_code'],
    response_types: ['code'],
  };
}

export function qrAuthorizationUrl(issuer: string, state: string, locale: string): string {
  // The code that comes back is never redeemed: the session cookie is what the phone pages read.
  const challenge = createHash('sha256').update(randomToken(32)).digest('base64url');
  const params = new URLSearchParams({
    client_id: qrClientId,
    response_type: 'code',
    scope: 'openid',
    redirect_uri: `${issuer}${qrCallbackPath}`,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    ui_locales: locale,
  });
  return `${issuer}/auth?${params.toString()}`;
}
