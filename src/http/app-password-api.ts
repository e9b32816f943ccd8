// POST /api/v1/app-passwords/verify: lets a mail server (IMAP/SMTP) or another program check an app password.
//
//   Authorization: Basic base64(client_id:client_secret)   (an OIDC client from clients.json whose "scope"
//                                                          includes app-passwords:verify)
//   Content-Type: application/json    {"username": "20230001", "password": "abcd efgh ijkl mnop",
//                                      "remote_ip": "203.0.113.7"}   (optional: the mail client's address)
//   200 {"valid": true, "username": "20230001"}  |  200 {"valid": false}
//   401 {"error": "invalid_client"}  |  429 {"error": "rate_limited"}  |  400 {"error": "bad_request"}
//
// HTTP Basic with the client's own secret, not a bearer token: a mail server's password check is one request,
// with nothing to cache or refresh. Only app passwords are accepted (never the person's password), and the
// answer is the same for an unknown login ID and a wrong password. Failures are limited per login ID and per
// address with the sign-in limiter's rules, on counters of their own: a mail client retrying a revoked app
// password must not lock its owner out of the sign-in page. The address is `remote_ip` when the (authenticated)
// caller gives one, since every request comes from the mail server's own address.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import { isIP } from 'node:net';
import { randomBytes } from 'node:crypto';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { AppError } from '../lib/errors.ts';
import { constantTimeEqual } from '../lib/crypto.ts';
import { appPasswordVerifyScope } from '../oidc/claims.ts';
import type { AppPasswords } from '../services/app-passwords.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { SignInLimiter } from '../services/sign-in-limiter.ts';

export const appPasswordVerifyPath = '/api/v1/app-passwords/verify';

export function appPasswordApiRoutes(deps: { provider: Provider; appPasswords: AppPasswords; limiter: SignInLimiter; audit: Pick<AuditLog, 'record'> }): Router {
  const router = new Router();
  const parseBody = bodyParser({ enableTypes: ['json', 'form'], jsonLimit: '4kb', formLimit: '4kb' });

  /** The calling client's id when its Basic credentials are right and it holds the verify scope. */
  const authenticateClient = async (ctx: Context): Promise<string> => {
    const [scheme, encoded = ''] = ctx.get('authorization').split(' ');
    const decoded = scheme?.toLowerCase() === 'basic' ? Buffer.from(encoded, 'base64').toString('utf8') : '';
    const colon = decoded.indexOf(':');
    const unescape = (part: string) => {
      try {
        return decodeURIComponent(part.replace(/\+/g, ' '));
      } catch {
        return '';
      }
    };
    const clientId = colon > 0 ? unescape(decoded.slice(0, colon)) : '';
    const secret = colon > 0 ? unescape(decoded.slice(colon + 1)) : '';
    const client = clientId ? await deps.provider.Client.find(clientId) : undefined;
    const allowed = Boolean(client?.scope?.split(' ').includes(appPasswordVerifyScope));
    // Only a client that authenticates with its own secret may use Basic here (not a public or key-based one).
    const secretClient = typeof client?.clientSecret === 'string' && client.clientSecret.length > 0
      && ['client_secret_basic', 'client_secret_post'].includes(client.clientAuthMethod ?? '');
    // Compared even for an unknown client, so the answer takes as long either way.
    const secretOk = constantTimeEqual(secretClient ? (client?.clientSecret as string) : randomBytes(32).toString('hex'), secret);
    if (!client || !allowed || !secretClient || !secretOk || !secret) {
      ctx.set('WWW-Authenticate', 'Basic realm="app-passwords", charset="UTF-8"');
      throw new AppError('invalid_client');
    }
    return client.clientId;
  };

  router.post(appPasswordVerifyPath, parseBody, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const clientId = await authenticateClient(ctx);
    const body = (ctx.request.body ?? {}) as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username.trim().slice(0, 128) : '';
    const password = typeof body.password === 'string' ? body.password.slice(0, 128) : '';
    if (!username || !password) throw new AppError('bad_request', 'username and password are required');
    const ip = typeof body.remote_ip === 'string' && isIP(body.remote_ip) ? body.remote_ip : ctx.ip;
    if (await deps.limiter.isBlocked(username, ip)) {
      ctx.state.logger.warn({ event: 'app_password.limited', client: clientId }, 'app password check over the limit');
      ctx.set('Retry-After', '900');
      throw new AppError('rate_limited');
    }
    const user = await deps.appPasswords.verify(username, password, ip);
    if (!user) {
      await deps.limiter.recordFailure(username, ip);
      ctx.state.logger.info({ event: 'app_password.failed', client: clientId }, 'app password refused');
      ctx.body = { valid: false };
      return;
    }
    await deps.limiter.recordSuccess(username);
    ctx.state.logger.info({ event: 'app_password.used', accountId: user.id, client: clientId }, 'app password accepted');
    await deps.audit.record({ type: 'app_password.used', userId: user.id, ip, userAgent: ctx.get('user-agent'), detail: { via: 'verify_api', client: clientId, appPasswordId: user.appPasswordId } });
    ctx.body = { valid: true, username: user.username };
  });

  return router;
}
