// The CAS REST protocol (/cas/v1/tickets) for programs that cannot use a browser: username + password → a
// ticket-granting ticket (a URL), TGT + service → a service ticket, DELETE ends the TGT. Sign-in failures count
// against the same limits as the sign-in page and get the same answer whatever the reason.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { AccountService } from '../services/accounts.ts';
import type { SignInLimiter } from '../services/sign-in-limiter.ts';
import { escapeHtml } from '../lib/html.ts';
import type { ServiceRegistry } from './registry.ts';
import { newTicketId, type TicketStore } from './tickets.ts';

interface GrantingTicket {
  userId: string;
  authTime: number;
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
    const refused = () => {
      ctx.status = 401;
      ctx.body = 'authentication failed';
    };
    if (await deps.limiter.isBlocked(username, ctx.ip)) return refused();
    const result = await deps.accounts.authenticate(username, password);
    if (!result.ok) {
      await deps.limiter.recordFailure(username, ctx.ip);
      return refused();
    }
    await deps.limiter.recordSuccess(username);
    const tgt = newTicketId('TGT');
    const ticket: GrantingTicket = { userId: result.user.id, authTime: Math.floor(Date.now() / 1000) };
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
    if (user?.status !== 'active') {
      ctx.status = 404;
      ctx.body = 'ticket-granting ticket not found';
      return;
    }
    ctx.type = 'text/plain';
    ctx.body = await deps.tickets.issueServiceTicket({
      service: serviceUrl, serviceId: service.id, userId: granting.userId, authTime: granting.authTime, fromNewLogin: false, proxies: [],
    });
  });

  router.delete('/:tgt', async (ctx) => {
    await deps.store.delete([key(ctx.params.tgt ?? '')]);
    ctx.status = 200;
    ctx.body = ctx.params.tgt ?? '';
  });

  return router;
}
