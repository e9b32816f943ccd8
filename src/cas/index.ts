// Builds the CAS side of the server: registry, tickets, validation, proxying, single logout, and the routes
// under /cas (and the compatibility prefix). Also what must happen when any logout ends an SSO session.
import type { ContactsRule } from '../oidc/contacts-policy.ts';
import type { Context } from 'koa';
import type Router from '@koa/router';
import type Provider from 'oidc-provider';
import type { Adapter } from 'oidc-provider';
import type { Config } from '../config/env.ts';
import type { CasService } from '../config/cas-services.ts';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { Logger } from '../lib/logger.ts';
import type { AccountService } from '../services/accounts.ts';
import { createServiceRegistry } from './registry.ts';
import { createTicketStore } from './tickets.ts';
import { createTicketValidator } from './validation.ts';
import { createProxyTickets } from './proxy.ts';
import { createSingleLogout } from './single-logout.ts';
import { casCallbackRoute, casRoutes } from './routes.ts';
import { casRestRoutes } from './rest.ts';
import type { SignInLimiter } from '../services/sign-in-limiter.ts';
import type { AppPasswords } from '../services/app-passwords.ts';
import type { AuditLog } from '../services/audit-log.ts';
import type { Metrics } from '../http/metrics.ts';
import type { SsoSession } from './sso-bridge.ts';
import type { BackchannelLogout } from '../oidc/backchannel-logout.ts';

export interface CasParts {
  routers: Router[];
  /** Call when an SSO session ended by any route (OIDC logout included): single logout + PGTs die. */
  sessionEnded(sessionUid: string, accountId: string): void;
}

export function createCas(deps: {
  config: Config;
  services: CasService[];
  provider: Provider;
  store: KeyValueStore;
  accounts: AccountService;
  logger: Logger;
  adapter: (model: string) => Adapter;
  limiter: SignInLimiter;
  metrics: Metrics;
  /** Accepted by the REST protocol as well as the password. */
  appPasswords?: AppPasswords;
  audit?: AuditLog;
  /** The contacts prompt (REQUIRED_CONTACTS): a session that has not passed it gets no ticket. */
  contactsRule?: ContactsRule;
  backchannelLogout: BackchannelLogout;
  /** A password that must be replaced first (weak, or an administrator asked for a new one) gets no REST ticket. */
  passwordChangePending?: (accountId: string) => Promise<boolean>;
}): CasParts {
  const { config, provider, store, accounts, logger } = deps;
  const registry = createServiceRegistry(deps.services);
  const tickets = createTicketStore(store, config.cas.ticketTtlSeconds, config.ttl.sessionSeconds);
  const validate = createTicketValidator({ tickets, registry, accounts });
  const proxy = createProxyTickets({ tickets, registry, privateHostsAllowed: config.outboundPrivateHosts, extraCa: config.cas.proxyCa });
  const singleLogout = createSingleLogout({
    store,
    logger,
    sessionTtlSeconds: config.ttl.sessionSeconds,
    nameOf: async (userId) => (await accounts.findById(userId))?.username,
  });

  const sessionEnded = (sessionUid: string, accountId: string) => {
    void singleLogout.endSession(sessionUid, accountId).catch((error: unknown) => logger.warn({ err: error }, 'CAS single logout failed'));
    void tickets.revokeSessionProxyTickets(sessionUid).catch((error: unknown) => logger.warn({ err: error }, 'revoking PGTs failed'));
  };

  /** CAS /logout ends the provider session itself, and the grants it holds, as RP-initiated logout would. */
  // CAS /logout ends the provider session itself, so it also sends the provider's back-channel logout.
  const endProviderSession = async (ctx: Context): Promise<SsoSession | undefined> => {
    const id = ctx.cookies.get('_session', { signed: true });
    if (!id) return undefined;
    const session = await provider.Session.find(id);
    ctx.cookies.set('_session', null, { path: '/', signed: true });
    if (!session) return undefined;
    if (session.accountId) deps.backchannelLogout(session.accountId, session.authorizations);
    const grants = Object.values(session.authorizations ?? {}).map((entry) => entry.grantId).filter((grantId): grantId is string => Boolean(grantId));
    for (const grantId of grants) {
      await deps.adapter('Grant').revokeByGrantId(grantId);
      await deps.adapter('Grant').destroy(grantId);
    }
    await session.destroy();
    return session.accountId ? { uid: session.uid, accountId: session.accountId, loginTs: session.loginTs ?? 0 } : undefined;
  };

  const routeDeps = { issuer: config.issuer, provider, store, accounts, registry, tickets, validate, proxy, singleLogout, endProviderSession, mfaUserTypes: new Set(config.mfaRequiredUserTypes), casValidations: deps.metrics.casValidations, contactsRule: deps.contactsRule };
  const prefixes = ['/cas', ...(config.cas.compatPrefix ? [config.cas.compatPrefix] : [])];
  const routers = [casCallbackRoute(routeDeps)];
  for (const prefix of prefixes) {
    routers.push(casRoutes(routeDeps, prefix));
    routers.push(casRestRoutes({ issuer: config.issuer, prefix, store, accounts, limiter: deps.limiter, registry, tickets, sessionTtlSeconds: config.ttl.sessionSeconds, mfaUserTypes: routeDeps.mfaUserTypes, appPasswords: deps.appPasswords, audit: deps.audit, passwordChangePending: deps.passwordChangePending }));
  }

  // CAS logout already ran single logout itself; OIDC logouts reach CAS through this event.
  provider.on('end_session.success', (ctx) => {
    const session = ctx.oidc.session;
    // `destroyed` is set by Session#destroy (absent from the typings): only a real sign-out, not "stay signed in".
    const destroyed = (session as unknown as { destroyed?: boolean } | undefined)?.destroyed === true;
    if (session && destroyed && session.accountId) sessionEnded(session.uid, session.accountId);
  });
  return { routers, sessionEnded };
}
