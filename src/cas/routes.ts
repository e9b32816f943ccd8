// CAS 1/2/3 endpoints. Thin: parse the query, ask the bridge, tickets or validator, answer in the protocol's
// shape. Mounted under /cas and, when configured, again under a compatibility prefix such as /authserver.
import type { ContactsRule } from '../oidc/contacts-policy.ts';
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { CasService } from '../config/cas-services.ts';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { AccountService } from '../services/accounts.ts';
import { randomToken, constantTimeEqual } from '../lib/crypto.ts';
import { pageFrame, localeOf } from '../../interactions/render.ts';
import { renderCasError, renderCasLoggedOut, renderCasPost, renderCasWarn, type CasPageError } from '../../interactions/views/cas.ts';
import { CasError } from './errors.ts';
import { releasedAttributes } from './attributes.ts';
import { failureBody, successBody, type CasFormat } from './responses.ts';
import type { ServiceRegistry } from './registry.ts';
import type { SingleLogout } from './single-logout.ts';
import { bridgeAuthorizationUrl, casCallbackPath, readSsoSession, type SsoSession } from './sso-bridge.ts';
import type { TicketStore } from './tickets.ts';
import type { TicketValidator } from './validation.ts';
import type { Counter } from 'prom-client';
import { sessionHasSecondFactor } from '../oidc/mfa-policy.ts';
import type { ProxyTickets } from './proxy.ts';
import { readAssertionArtifact, samlFailure, samlSuccess } from './saml.ts';
import type { IncomingMessage } from 'node:http';

/** The raw request body as text, or undefined when it is larger than `limit` bytes. */
async function readBody(req: IncomingMessage, limit: number): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface CasDependencies {
  issuer: string;
  provider: Provider;
  store: KeyValueStore;
  accounts: AccountService;
  registry: ServiceRegistry;
  tickets: TicketStore;
  validate: TicketValidator;
  proxy: ProxyTickets;
  singleLogout: SingleLogout;
  /** User types that always need a second factor. */
  mfaUserTypes: ReadonlySet<string>;
  casValidations: Counter<'result'>;
  /** Ends the provider session behind the cookie (and the grants it holds). */
  endProviderSession(ctx: Context): Promise<SsoSession | undefined>;
  /** The contacts prompt (REQUIRED_CONTACTS): a session still owing a required contact goes through it. */
  contactsRule?: ContactsRule;
}

interface PendingLogin {
  service: string;
  renew: boolean;
  warn: boolean;
  post: boolean;
  startedAt: number;
}

const stateCookie = 'campus_cas_state';
const flag = (value: unknown) => value === 'true' || value === '1' || value === '';
const single = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** False while the session owes a required contact (CONTACT_PROMPT=block, or not put off in this session). */
async function contactsSettled(rule: ContactsRule | undefined, session: SsoSession): Promise<boolean> {
  return !rule || !(await rule.due(session));
}

export function casRoutes(deps: CasDependencies, prefix: string): Router {
  const router = new Router({ prefix });
  const deliver = deliveryFor(deps);

  const pageError = (ctx: Context, status: number, error: CasPageError) => {
    ctx.status = status;
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderCasError({ ...pageFrame(ctx), languageLinks: undefined, error, requestId: ctx.state.requestId as string });
  };

  router.get('/login', async (ctx) => {
    const serviceUrl = single(ctx.query.service);
    if (!serviceUrl) return pageError(ctx, 400, 'missingService');
    const service = deps.registry.match(serviceUrl);
    if (!service) return pageError(ctx, 403, 'unknownService');
    let mfa = service.mfa === 'required';
    const renew = flag(ctx.query.renew);
    const options = { warn: flag(ctx.query.warn), post: single(ctx.query.method)?.toUpperCase() === 'POST' };

    if (!renew) {
      const session = await readSsoSession(ctx, deps.provider);
      const user = session && (await deps.accounts.findById(session.accountId));
      // The same demands as OIDC: the service's own, or the person's type (MFA_REQUIRED_USER_TYPES).
      mfa ||= Boolean(user && deps.mfaUserTypes.has(user.type));
      const strongEnough = !mfa || sessionHasSecondFactor(session?.amr);
      if (session && user?.status === 'active' && strongEnough && (await contactsSettled(deps.contactsRule, session))) return deliver(ctx, service, serviceUrl, session, { ...options, fromNewLogin: false });
      // gateway never shows a page: no session (or not strong enough) means back without a ticket.
      if (flag(ctx.query.gateway)) {
        ctx.set('Cache-Control', 'no-store');
        return ctx.redirect(serviceUrl);
      }
    }
    const state = randomToken(24);
    const pending: PendingLogin = { service: serviceUrl, renew, ...options, startedAt: Math.floor(Date.now() / 1000) };
    await deps.store.set(`cas:login:${state}`, JSON.stringify(pending), 600);
    // The state is also bound to this browser: a callback carrying someone else's state is refused.
    ctx.cookies.set(stateCookie, state, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/cas', maxAge: 600_000 });
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(bridgeAuthorizationUrl(deps.issuer, state, { renew, mfa, locale: localeOf(ctx) }));
  });

  router.get('/logout', async (ctx) => {
    const session = await deps.endProviderSession(ctx);
    if (session) {
      void deps.singleLogout.endSession(session.uid, session.accountId).catch(() => undefined);
      await deps.tickets.revokeSessionProxyTickets(session.uid);
    }
    ctx.set('Cache-Control', 'no-store');
    // Redirect only to a registered service (`service`, or CAS 2's `url`); otherwise show the signed-out page.
    const target = single(ctx.query.service) ?? single(ctx.query.url);
    if (target && deps.registry.match(target)) return ctx.redirect(target);
    ctx.type = 'html';
    ctx.body = renderCasLoggedOut({ ...pageFrame(ctx), languageLinks: undefined });
  });

  router.get('/validate', async (ctx) => {
    ctx.type = 'text/plain; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    try {
      const ticket = single(ctx.query.ticket);
      // CAS 1.0 knows service tickets only; a proxy ticket here is simply "no" (and burned by nobody).
      if (ticket?.startsWith('PT-')) throw new CasError('INVALID_TICKET_SPEC', 'proxy ticket at /validate');
      const { user } = await deps.validate({ service: single(ctx.query.service), ticket, renew: flag(ctx.query.renew), acceptProxyTickets: false });
      ctx.body = `yes\n${user.username}\n`;
    } catch (error) {
      if (!(error instanceof CasError)) ctx.state.logger?.error({ err: error }, 'CAS validation failed');
      ctx.body = 'no\n';
    }
  });

  const validation = (version: 'v2' | 'p3', acceptProxyTickets: boolean) => async (ctx: Context) => {
    const format: CasFormat = single(ctx.query.format)?.toUpperCase() === 'JSON' ? 'JSON' : 'XML';
    ctx.type = format === 'JSON' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    try {
      const validated = await deps.validate({
        service: single(ctx.query.service),
        ticket: single(ctx.query.ticket),
        renew: flag(ctx.query.renew),
        acceptProxyTickets,
      });
      const { user, ticket, service } = validated;
      const attributes = version === 'p3' || service.attributesOnV2 ? releasedAttributes(service, user, ticket) : undefined;
      const pgtUrl = single(ctx.query.pgtUrl);
      const proxyGrantingTicket = pgtUrl ? await deps.proxy.grant(validated, pgtUrl, ctx.state.logger) : undefined;
      ctx.body = successBody({ user: user.username, attributes, proxyGrantingTicket, proxies: ticket.proxies }, format);
      deps.casValidations.inc({ result: 'success' });
    } catch (error) {
      deps.casValidations.inc({ result: error instanceof CasError ? error.code : 'INTERNAL_ERROR' });
      if (error instanceof CasError) {
        ctx.body = failureBody(error.code, error.message, format);
        return;
      }
      // Fail closed (store down, …): never a success, always the spec's INTERNAL_ERROR.
      ctx.state.logger?.error({ err: error }, 'CAS validation failed');
      ctx.body = failureBody('INTERNAL_ERROR', 'The server could not validate the ticket; try again later', format);
    }
  };
  router.get('/serviceValidate', validation('v2', false));
  router.get('/proxyValidate', validation('v2', true));
  router.get('/p3/serviceValidate', validation('p3', false));
  router.get('/p3/proxyValidate', validation('p3', true));

  router.post('/samlValidate', async (ctx) => {
    const target = single(ctx.query.TARGET) ?? '';
    ctx.type = 'text/xml; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    if (!/^(text|application)\/(soap\+)?xml\b/i.test(ctx.get('content-type'))) {
      ctx.status = 415;
      ctx.body = samlFailure(target, 'samlp:Requester', 'The request must be a SOAP message with Content-Type text/xml');
      return;
    }
    const body = await readBody(ctx.req, 64 * 1024);
    const ticket = body === undefined ? undefined : readAssertionArtifact(body);
    if (!ticket) {
      ctx.status = 400;
      ctx.body = samlFailure(target, 'samlp:Requester', 'No AssertionArtifact found (documents with a DOCTYPE are refused)');
      return;
    }
    try {
      const { user, ticket: record, service } = await deps.validate({ service: target, ticket, renew: false, acceptProxyTickets: false });
      ctx.body = samlSuccess({ issuer: new URL(deps.issuer).host, target, user: user.username, attributes: releasedAttributes(service, user, record), authTime: record.authTime });
    } catch (error) {
      if (!(error instanceof CasError)) ctx.state.logger?.error({ err: error }, 'SAML validation failed');
      ctx.body = samlFailure(target, 'samlp:Responder', error instanceof CasError ? `${error.code}: ${error.message}` : 'INTERNAL_ERROR');
    }
  });

  router.get('/proxy', async (ctx) => {
    const format: CasFormat = single(ctx.query.format)?.toUpperCase() === 'JSON' ? 'JSON' : 'XML';
    ctx.type = format === 'JSON' ? 'application/json; charset=utf-8' : 'application/xml; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = await deps.proxy.issueProxyTicket(single(ctx.query.pgt), single(ctx.query.targetService), format);
  });

  return router;
}

/** The callback of the bridge's authorization request: only ever under /cas (it is the registered redirect). */
export function casCallbackRoute(deps: CasDependencies): Router {
  const router = new Router();
  const deliver = deliveryFor(deps);
  router.get(casCallbackPath, async (ctx) => {
    const fail = (error: CasPageError) => {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = renderCasError({ ...pageFrame(ctx), languageLinks: undefined, error, requestId: ctx.state.requestId as string });
    };
    const state = single(ctx.query.state);
    const bound = ctx.cookies.get(stateCookie, { signed: true });
    if (!state || !bound || !constantTimeEqual(state, bound)) return fail('loginExpired');
    ctx.cookies.set(stateCookie, null, { path: '/cas' });
    const raw = await deps.store.take(`cas:login:${state}`);
    if (!raw) return fail('loginExpired');
    const pending = JSON.parse(raw) as PendingLogin;
    const service = deps.registry.match(pending.service);
    if (!service) return fail('unknownService');
    const session = await readSsoSession(ctx, deps.provider);
    if (!session) {
      // The person declined or the sign-in failed: back to the service without a ticket, as gateway does.
      if (single(ctx.query.error)) return ctx.redirect(pending.service);
      return fail('loginExpired');
    }
    const fromNewLogin = session.loginTs >= pending.startedAt;
    if (pending.renew && !fromNewLogin) return fail('loginExpired');
    const user = await deps.accounts.findById(session.accountId);
    const needsMfa = service.mfa === 'required' || Boolean(user && deps.mfaUserTypes.has(user.type));
    if (needsMfa && !sessionHasSecondFactor(session.amr)) return fail('loginExpired');
    if (!(await contactsSettled(deps.contactsRule, session))) return fail('loginExpired');
    await deliver(ctx, service, pending.service, session, { fromNewLogin, warn: pending.warn, post: pending.post });
  });

  return router;
}

/** Mints the ticket and sends the browser (back) to the service: redirect, POST form, or warn page first. */
function deliveryFor(deps: CasDependencies) {
  return async (ctx: Context, service: CasService, serviceUrl: string, session: SsoSession, login: { fromNewLogin: boolean; warn: boolean; post: boolean }) => {
    const ticket = await deps.tickets.issueServiceTicket({
      service: serviceUrl,
      serviceId: service.id,
      userId: session.accountId,
      authTime: session.loginTs,
      acr: session.acr,
      amr: session.amr,
      fromNewLogin: login.fromNewLogin,
      sessionUid: session.uid,
      proxies: [],
    });
    if (service.singleLogout) await deps.singleLogout.remember(session.uid, ticket, serviceUrl);
    ctx.set('Cache-Control', 'no-store');
    if (login.post) {
      ctx.type = 'html';
      ctx.body = renderCasPost({ ...pageFrame(ctx), languageLinks: undefined, service: serviceUrl, ticket });
      return;
    }
    const target = withTicket(serviceUrl, ticket);
    if (login.warn) {
      const user = await deps.accounts.findById(session.accountId);
      ctx.type = 'html';
      ctx.body = renderCasWarn({ ...pageFrame(ctx), languageLinks: undefined, serviceName: service.name, user: user?.username ?? '', continueUrl: target });
      return;
    }
    ctx.redirect(target);
  };
}

/** Adds the ticket to the service URL, before any fragment. */
export function withTicket(serviceUrl: string, ticket: string): string {
  const hash = serviceUrl.indexOf('#');
  const base = hash === -1 ? serviceUrl : serviceUrl.slice(0, hash);
  const fragment = hash === -1 ? '' : serviceUrl.slice(hash);
  return `${base}${base.includes('?') ? '&' : '?'}ticket=${encodeURIComponent(ticket)}${fragment}`;
}
