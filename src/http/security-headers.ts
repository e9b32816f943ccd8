// Security headers on every response, and a per-request CSP nonce (ctx.state.cspNonce) for our script tags.
// form-action is left out on purpose: Chromium applies it to the redirects that follow a form post, and a
// sign-in form ends in a redirect to the app's registered redirect_uri on another origin.
import { randomBytes } from 'node:crypto';
import type { Context, Next } from 'koa';

export function securityHeaders() {
  return async function setHeaders(ctx: Context, next: Next): Promise<void> {
    const nonce = randomBytes(16).toString('base64');
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
