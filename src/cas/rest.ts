// The CAS REST protocol (/cas/v1/tickets) for programs that cannot use a browser: username + password → a
// ticket-granting ticket (a URL), TGT + service → a service ticket, DELETE ends the TGT. Sign-in failures count
// against the same limits as the sign-in page and get the same answer whatever the reason. An app password
// (src/services/app-passwords.ts) is accepted as well as the password, but its TGT gets service tickets only for
// services flagged `appPasswords` (legacy mail), marked amr ["app"], and dies when the app password is revoked.
// A password alone gets no ticket for a service or a person (MFA_REQUIRED_USER_TYPES) that needs a second factor.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { AccountService } from '../services/accounts.ts';
import type { SignInLimiter } from '../services/sign-in-limiter.ts';
import { normaliseAppPassword, type AppPasswords } from '../services/app-passwords.ts';
import type { AuditLog } from '../services/audit-log.ts';
import { escapeHtml } from '../lib/html.ts';
import { acr } from '../oidc/acr.ts';
import type { ServiceRegistry } from './registry.ts';
import { newTicketId, type TicketStore } from './tickets.ts';

interface GrantingTicket {
  userId: string;
  authTime: number;
  /** Set when minted with an app password: the ticket is good only while that app password exists. */
  appPasswordId?: string;
}

export function casRestRoutes(deps: {
  issuer: string;
  prefix: string;
  store: KeyValueStore;
  accounts: AccountService;
  limiter: SignInLimiter;
  registry: ServiceRegistry;
  tickets: TicketStore;
  sessionTtlSeconds: number;
  /** MFA_REQUIRED_USER_TYPES: a password alone never gets these people a service ticket. */
  mfaUserTypes: ReadonlySet<string>;
  appPasswords?: Pick<AppPasswords, 'verify' | 'exists'>;
  audit?: Pick<AuditLog, 'record'>;
  /** The browser sign-in stops such a person at "choose a new password"; REST cannot, so it refuses instead. */
  passwordChangePending?: (accountId: string) => Promise<boolean>;
}): Router {
  const router = new Router({ prefix: `${deps.prefix}/v1/tickets` });
  const form = bodyParser({ enableTypes: ['form'], formLimit: '8kb' });
  const key = (tgt: string) => `cas:tgt:${tgt}`;
  const field = (body: unknown, name: string) => {
    const value = (body as Record<string, unknown> | undefined)?.[name];
    return typeof value === 'string' ? value : undefined;
  };

  router.post('/', form, async (ctx) => {
    const username = field(ctx.request.body, 'username')?.trim();
    const password = field(ctx.request.body, 'password');
    ctx.set('Cache-Control', 'no-store');
    if (!username || !password) {
      ctx.status = 400;
      ctx.body = 'username and password are required';
      return;
    }
    const refused = () => refuseCredentials(ctx);
    if (await deps.limiter.isBlocked(username, ctx.ip)) return refused();
    // Only something shaped like an app password is looked up as one (a cheap digest), before the argon2 check.
    const byAppPassword = deps.appPasswords && normaliseAppPassword(password) ? await deps.appPasswords.verify(username, password, ctx.ip) : undefined;
    const result = byAppPassword ? undefined : await deps.accounts.authenticate(username, password);
    const userId = byAppPassword?.id ?? (result?.ok ? result.user.id : undefined);
    if (!userId) {
      await deps.limiter.recordFailure(username, ctx.ip);
      return refused();
    }
    await deps.limiter.recordSuccess(username);
    if (!byAppPassword && (await deps.passwordChangePending?.(userId))) {
      ctx.status = 403;
      ctx.type = 'text';
      ctx.body = `this password must be changed first: sign in at ${deps.issuer}/account/password`;
      return;
    }
    if (byAppPassword) {
      await deps.audit?.record({ type: 'app_password.used', userId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { via: 'cas_rest', appPasswordId: byAppPassword.appPasswordId } });
    }
    const tgt = newTicketId('TGT');
    const ticket: GrantingTicket = { userId, authTime: Math.floor(Date.now() / 1000), ...(byAppPassword ? { appPasswordId: byAppPassword.appPasswordId } : {}) };
    await deps.store.set(key(tgt), JSON.stringify(ticket), deps.sessionTtlSeconds);
    const location = `${deps.issuer}${deps.prefix}/v1/tickets/${tgt}`;
    ctx.status = 201;
    ctx.set('Location', location);
    ctx.type = 'html';
    ctx.body = `<!DOCTYPE html><html><body><form action="${escapeHtml(location)}" method="POST"><input type="text" name="service" value=""><input type="submit" value="Submit"></form></body></html>`;
  });

  router.post('/:tgt', form, async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const raw = await deps.store.get(key(ctx.params.tgt ?? ''));
    if (!raw) {
      ctx.status = 404;
      ctx.body = 'ticket-granting ticket not found';
      return;
    }
    const serviceUrl = field(ctx.request.body, 'service');
    const service = serviceUrl ? deps.registry.match(serviceUrl) : undefined;
    if (!serviceUrl || !service) {
      ctx.status = 400;
      ctx.body = 'service is missing or not registered';
      return;
    }
    if (service.mfa === 'required') {
      ctx.status = 403;
      ctx.body = 'this service requires a second factor, which the REST protocol cannot provide';
      return;
    }
    const granting = JSON.parse(raw) as GrantingTicket;
    const user = await deps.accounts.findById(granting.userId);
    const revoked = granting.appPasswordId !== undefined && !(await deps.appPasswords?.exists(granting.appPasswordId));
    if (user?.status !== 'active' || revoked) {
      ctx.status = 404;
      ctx.body = 'ticket-granting ticket not found';
      return;
    }
    const byAppPassword = granting.appPasswordId !== undefined;
    // Answered as a wrong password: the app password is simply not a credential for this service.
    if (byAppPassword && !service.appPasswords) return refuseCredentials(ctx);
    if (!byAppPassword && deps.mfaUserTypes.has(user.type)) {
      ctx.status = 403;
      ctx.body = 'this account requires a second factor, which the REST protocol cannot provide';
      return;
    }
    ctx.type = 'text/plain';
    ctx.body = await deps.tickets.issueServiceTicket({
      service: serviceUrl, serviceId: service.id, userId: granting.userId, authTime: granting.authTime, fromNewLogin: false, proxies: [],
      acr: acr.password, amr: byAppPassword ? [appPasswordAmr] : ['pwd'],
    });
  });

  router.delete('/:tgt', async (ctx) => {
    await deps.store.delete([key(ctx.params.tgt ?? '')]);
    ctx.status = 200;
    ctx.body = ctx.params.tgt ?? '';
  });

  return router;
}

/** The `amr` of tickets minted with an app password (not an RFC 8176 value: none fits an app password). */
export const appPasswordAmr = 'app';

function refuseCredentials(ctx: { status: number; body: unknown }): void {
  ctx.status = 401;
  ctx.body = 'authentication failed';
}
