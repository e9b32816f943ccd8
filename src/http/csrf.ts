// CSRF protection for our own forms: a random secret in a signed, httpOnly cookie, and in each form a token
// that is an HMAC of that secret (so the form token alone reveals nothing). Compared in constant time.
import { createHmac } from 'node:crypto';
import type { Context } from 'koa';
import { constantTimeEqual, randomToken } from '../lib/crypto.ts';

const cookieName = 'campus_csrf';

function formToken(secret: string): string {
  return createHmac('sha256', secret).update('campus-idp form').digest('base64url');
}

/** Returns the token to put in the form's `_csrf` field, setting the cookie when the browser has none. */
export function issueCsrfToken(ctx: Context): string {
  let secret = ctx.cookies.get(cookieName, { signed: true });
  if (!secret) {
    secret = randomToken(32);
    ctx.cookies.set(cookieName, secret, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/' });
  }
  return formToken(secret);
}

export function verifyCsrf(ctx: Context, submitted: unknown): boolean {
  const secret = ctx.cookies.get(cookieName, { signed: true });
  if (!secret || typeof submitted !== 'string' || submitted.length === 0) return false;
  return constantTimeEqual(formToken(secret), submitted);
}
