// Security headers on every response, and a per-request CSP nonce (ctx.state.cspNonce) for our script tags.
// form-action is left out on purpose: Chromium applies it to the redirects that follow a form post, and a
// sign-in form ends in a redirect to the app's registered redirect_uri on another origin.
import { randomFillSync } from 'node:crypto';
import type { Context, Next } from 'koa';

// Nonces are cut from a pooled CSPRNG buffer, as crypto.randomUUID does: one randomFillSync per 256 requests
// instead of one each (it showed as 2 % of a userinfo request). Every nonce is used once, then the pool refills.
const nonceBytes = 16;
const noncePool = Buffer.alloc(nonceBytes * 256);
let nonceOffset = noncePool.length;
function nextNonce(): string {
  if (nonceOffset >= noncePool.length) {
    randomFillSync(noncePool);
    nonceOffset = 0;
  }
  const nonce = noncePool.toString('base64', nonceOffset, nonceOffset + nonceBytes);
  nonceOffset += nonceBytes;
  return nonce;
}

export function securityHeaders() {
  return async function setHeaders(ctx: Context, next: Next): Promise<void> {
    const nonce = nextNonce();
    ctx.state.cspNonce = nonce;
    ctx.set({
      'Content-Security-Policy': [
        "default-src 'self'",
        `script-src 'self' 'nonce-${nonce}'`,
        "style-src 'self'",
        "img-src 'self' data:",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
      ].join('; '),
      'X-Frame-Options': 'DENY',
      'X-Content-Type-Options': 'nosniff',
      'Referrer-Policy': 'no-referrer',
      'Cross-Origin-Opener-Policy': 'same-origin',
      'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), payment=()',
    });
    if (ctx.secure) ctx.set('Strict-Transport-Security', 'max-age=31536000; includeSubDomains');
    await next();
  };
}
