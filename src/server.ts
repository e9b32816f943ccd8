// Builds every dependency from a validated Config and starts listening. Used by main.ts and by the tests, which
// start real servers on port 0.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import type { Config } from './config/env.ts';
import { loadClientsFile } from './config/clients.ts';
import { createLogger, type Logger } from './lib/logger.ts';
import { openDatabase } from './data/database.ts';
import { applyMigrations } from './data/migrate.ts';
import { createRedisStore } from './data/redis-store.ts';
import { connectRedis } from './data/redis-connection.ts';
import { createSqlStore } from './data/sql-store.ts';
import { failingClosed, type KeyValueStore } from './data/kv-store.ts';
import { createAccountService, verifiedPhone, type AccountService } from './services/accounts.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createSignInLimiter } from './services/sign-in-limiter.ts';
import { ensureCookieKeys, ensureFactorKey, ensureRegistryKey } from './services/server-secrets.ts';
import { createIdentityVerification } from './services/identity-verification.ts';
import { createIdentityNotices } from './services/identity-notices.ts';
import { createIdNumberHasher } from './services/national-id.ts';
import { createIdentityClaims } from './oidc/identity-claims.ts';
import { createTotpService, type TotpService } from './services/totp.ts';
import { createRecoveryCodeService, type RecoveryCodeService } from './services/recovery-codes.ts';
import { createPasskeyService } from './services/passkeys.ts';
import { createVerificationCodes } from './services/verification-codes.ts';
import { createContactPoints } from './services/contact-points.ts';
import { createEmailCodes } from './services/one-time-codes.ts';
import { createContactsRule } from './oidc/contacts-policy.ts';
import { createAppeals } from './services/appeals.ts';
import { createAppealRebind } from './services/appeal-rebind.ts';
import { createAppealNotices } from './services/appeal-notices.ts';
import { createKnownBrowsers } from './services/known-browsers.ts';
import { createAccountSecurityService } from './services/account-security.ts';
import { createBackchannelLogout } from './oidc/backchannel-logout.ts';
import { createWeakPasswords } from './services/weak-passwords.ts';
import type { MemorySms } from './connectors/sms/memory.ts';
import type { MemoryEmail } from './connectors/email/memory.ts';
import { createSecurityNotifier } from './services/security-notifier.ts';
import { auditedNotices } from './services/audited-notices.ts';
import { createEmailSender } from './connectors/email/index.ts';
import type { EmailSender } from './connectors/email/email-sender.ts';
import { createSmsSender } from './connectors/sms/index.ts';
import type { SmsSender } from './connectors/sms/sms-sender.ts';
import { createDeviceTrustService, type DeviceTrustService } from './services/device-trust.ts';
import { createSecretBox } from './lib/secret-box.ts';
import { ensureSigningKeys, loadSigningJwks } from './oidc/keys.ts';
import { createAdapterFactory } from './oidc/adapter.ts';
import { createProvider } from './oidc/provider.ts';
import { providerPages } from '../interactions/render.ts';
import { createCas } from './cas/index.ts';
import { createMetrics } from './http/metrics.ts';
import { casBridgeClient } from './cas/sso-bridge.ts';
import { accountClient } from './oidc/account-client.ts';
import type { SecurityNotifications } from '../interactions/account-routes.ts';
import { createPasswordPolicy } from './services/password-policy.ts';
import { createPasswordReset } from './services/password-reset.ts';
import { createAccountSessions } from './services/account-sessions.ts';
import { createAppPasswords } from './services/app-passwords.ts';
import { createAuditLog } from './services/audit-log.ts';
import { createPlaceLookup } from './lib/networks.ts';
import { buildApp } from './app.ts';
import { createQrSessions } from './services/qr-sessions.ts';
import { createQrEvents } from './services/qr-events.ts';
import { qrRoutes } from '../interactions/qr-routes.ts';
import { qrSignInClient } from '../interactions/qr-sign-in-client.ts';
import { deviceFlowPages } from '../interactions/qr-device-pages.ts';

export interface RunningServer {
  url: string;
  server: Server;
  logger: Logger;
  /** The services behind the server, for the CLI-free set-up steps of tests and the start-up banner. */
  services: { prisma: PrismaClient; accounts: AccountService; store: KeyValueStore; deviceTrust: DeviceTrustService; totp: TotpService; recovery: RecoveryCodeService; sms: SmsSender; email: EmailSender };
  close(): Promise<void>;
}

export interface StartOptions {
  /** Environment used to resolve client secrets named in clients.json (defaults to process.env). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Redis key prefix, so tests can share one Redis without seeing each other. */
  redisKeyPrefix?: string;
  /** Tells people about changes on the account pages (tests pass a recorder). */
  securityNotifier?: SecurityNotifications;
}


export async function startServer(configured: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(configured.logLevel);
  const clients = loadClientsFile(configured.clientsFile, options.env ?? process.env, configured.production);
  const closers: (() => Promise<void>)[] = [];
  let stopListening = async () => {};
  const closeAll = async () => {
    // Stop taking requests first (in-flight ones finish), then close the stores they used, newest first.
    await stopListening();
    for (const close of closers.splice(0).reverse()) await close().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    // Listen first so a test asking for port 0 learns the port, and with it the issuer, before the provider exists.
    let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
    const server = createServer((req, res) => {
      if (handler) return handler(req, res);
      res.writeHead(503, { 'retry-after': '1' }).end();
    });
    server.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(configured.port, configured.host, () => resolve());
    });
    stopListening = () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
    const { port } = server.address() as AddressInfo;
    const config: Config =
      configured.port === 0 ? { ...configured, port, issuer: configured.issuer.replace(/:0$/, `:${port}`) } : configured;

    const database = await openDatabase({ ...config, onConnectionError: (error) => logger.warn({ err: error, event: 'database.connection_lost' }, 'a pooled database connection was lost; the next query opens a new one') });
    closers.push(() => database.close());
    const applied = await applyMigrations(database);
    if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');

    const keyPrefix = options.redisKeyPrefix ?? config.redisKeyPrefix;
    let store: KeyValueStore;
    let redis: Redis | undefined;
    if (config.redisUrl) {
      const target = { url: config.redisUrl, sentinel: config.redisSentinel };
      store = failingClosed(await createRedisStore({ ...target, keyPrefix }));
      redis = connectRedis(target, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: true });
      // Failures surface on the limiter's commands (and fail the request closed); no unhandled 'error' events.
      redis.on('error', () => {});
      await redis.connect();
      const limiterRedis = redis;
      closers.push(async () => void limiterRedis.disconnect());
    } else {
      store = failingClosed(createSqlStore(database.sql));
    }
    closers.push(() => store.close());

    await ensureSigningKeys(database.prisma);
    const jwks = await loadSigningJwks(database.prisma, config.signingAlg);
    const cookieKeys = await ensureCookieKeys(database.prisma, config.cookieKeys);
    const accounts = createAccountService(database.prisma);
    const limiter = createSignInLimiter({ ...config.loginRateLimit, redis, keyPrefix });
    const adapter = createAdapterFactory(store);
    const oidcClients = [...clients.oidc, { metadata: casBridgeClient(config.issuer), firstParty: true, mfaRequired: false }, { metadata: accountClient(config.issuer), firstParty: true, mfaRequired: false },
      ...(config.qrLogin.enabled ? [{ metadata: qrSignInClient(config.issuer), firstParty: true, mfaRequired: false }] : [])];
    const metrics = createMetrics();
    const totp = createTotpService(database.prisma, createSecretBox(ensureFactorKey(config.factorKey, config.dataDir)), new URL(config.issuer).host);
    const deviceTrust = createDeviceTrustService(database.prisma, config.deviceTrustDays);
    const recovery = createRecoveryCodeService(database.prisma);
    const passkeys = createPasskeyService(database.prisma, store, { ...config.webauthn, origin: new URL(config.issuer).origin });
    const knownBrowsers = createKnownBrowsers(store);
    const unknownBrowserRule = config.mfaUnknownBrowser
      ? {
          isKnown: knownBrowsers.isKnown,
          hasFactor: async (accountId: string) => {
            const user = await accounts.findById(accountId);
            return Boolean(user && verifiedPhone(user)) || (await totp.hasFactor(accountId)) || (await passkeys.hasPasskey(accountId));
          },
        }
      : undefined;
    const accountSecurity = createAccountSecurityService(database.prisma);
    const contacts = createContactPoints(database.prisma, config.contacts);
    // Always present: the numbers an approved lost-phone appeal unbound are missing until bound again, even
    // without REQUIRED_CONTACTS (src/services/appeal-rebind.ts).
    const appealRebind = createAppealRebind({ prisma: database.prisma, onCleared: (userId, appealId) => void audit.record({ type: 'appeal.rebound', userId, detail: { appealId } }) });
    const contactsRule = createContactsRule({ store, hasSecondFactor: async (accountId) => (await accountSecurity.secondFactorCount(accountId)) > 0, skippable: config.contacts.prompt === 'skip', sessionSeconds: config.ttl.sessionSeconds,
      // The numbers an appeal unbound come first: they cannot be put off ("Later"), the other roles then can.
      missing: async (accountId) => [...new Set([...(await appealRebind.missing(accountId)), ...(await contacts.missingRequired(accountId))])], rebinding: appealRebind.missing });
    const weakPasswords = createWeakPasswords({ store, accounts });
    const provider = createProvider({ config, clients: oidcClients, jwks, cookieKeys, accounts, adapter, pages: providerPages, unknownBrowserRule, contactsRule,
      weakPasswordPending: async (accountId) => Boolean(await weakPasswords.pending(accountId)),
      deviceFlow: config.qrLogin.deviceFlow ? deviceFlowPages(createPlaceLookup(config.campusNetworks)) : undefined,
      identityClaims: createIdentityClaims(database.prisma) }, logger);
    const audit = createAuditLog({ prisma: database.prisma, logger, retentionDays: config.auditRetentionDays });
    closers.push(audit.startRetention());
    const appPasswords = createAppPasswords(database.prisma);
    const backchannelLogout = createBackchannelLogout(provider, logger);
    const cas = createCas({ config, services: clients.cas, provider, store, accounts, logger, adapter, limiter, metrics, appPasswords, audit, contactsRule, backchannelLogout,
      passwordChangePending: async (accountId) => (await weakPasswords.pending(accountId)) !== undefined });
    const accountSessions = createAccountSessions({
      store,
      sessionTtlSeconds: config.ttl.sessionSeconds,
      placeOf: createPlaceLookup(config.campusNetworks),
      // A session ended from /account/sessions or by a password reset: its CAS and OIDC apps are told.
      onSessionEnded: (accountId, session) => {
        cas.sessionEnded(session.uid, accountId);
        backchannelLogout(accountId, session.authorizations);
      },
    });
    // Each authorization notes the browser and address of its session, for /account/sessions.
    provider.on('authorization.success', (ctx) => {
      const uid = ctx.oidc.session?.uid;
      if (uid) accountSessions.noteDevice(uid, { ip: ctx.ip, userAgent: ctx.get('user-agent') }).catch((error: unknown) => logger.warn({ err: error }, 'session device not noted'));
    });
    const sms = createSmsSender(config.sms, logger);
    // The development outbox sends nothing anywhere: in production without a gateway, SMS codes are not offered.
    const smsCodes = config.production && config.sms.provider === 'memory'
      ? undefined
      : createVerificationCodes({ store, sms, budgets: config.sms.budgets, onSend: (result) => metrics.codeSends.inc({ connector: sms.name, result }) });
    const email = createEmailSender(config.email, logger, config.production);
    const identity = createIdentityVerification({
      prisma: database.prisma, audit, logger, notices: createIdentityNotices({ sms, logger, locale: config.defaultLocale }),
      hasher: createIdNumberHasher(ensureRegistryKey(config.identity.registryKey, config.dataDir)),
    });
    const emailCodes = createEmailCodes({ store, email, budgets: config.contacts.emailBudgets, onSend: (result) => metrics.codeSends.inc({ connector: email.name, result }) });
    const appeals = createAppeals({ prisma: database.prisma, audit, sessions: accountSessions, notices: createAppealNotices({ prisma: database.prisma, email, sms, logger }), documentRetentionDays: config.appeals.documentRetentionDays, logger });
    closers.push(appeals.startRetention());
    const appealEmailCodes = createEmailCodes({ store, email, budgets: config.contacts.emailBudgets, purpose: 'appeal', onSend: (result) => metrics.codeSends.inc({ connector: email.name, result }) });
    const notices = createSecurityNotifier({ prisma: database.prisma, email, sms, logger });
    // A notice never holds up the change it reports: it is sent in the background (failures are logged by the notifier).
    const securityNotifier: SecurityNotifications = auditedNotices(options.securityNotifier ?? { notify: async (...args) => void notices.notify(...args) }, audit);
    const passwordPolicy = createPasswordPolicy(config.passwordPolicy);
    const passwordReset = createPasswordReset({
      store, prisma: database.prisma, accounts, smsCodes, totp, recovery, policy: passwordPolicy, logger,
      secondFactorCount: accountSecurity.secondFactorCount,
      emailCodes: createEmailCodes({ store, email, budgets: config.contacts.emailBudgets, purpose: 'reset_password', onSend: (result) => metrics.codeSends.inc({ connector: email.name, result }) }),
      revoke: { sessions: accountSessions, appPasswords, deviceTrust },
      notify: async (userId, locale) => void (await securityNotifier.notify(userId, 'password_changed', { locale })),
      limits: { ...config.passwordReset, resendSeconds: config.sms.budgets.cooldownSeconds },
      keepSessionsAllowed: config.passwordReset.keepSessionsAllowed,
    });
    let qrRouter: ReturnType<typeof qrRoutes> | undefined;
    // One status channel for phone-scan QR pages and official-account QR pages (interactions/scan-wait-stream.ts).
    const qrEvents = config.qrLogin.enabled || config.wechat.officialAccount
      ? await createQrEvents({ redis, channel: `${keyPrefix}qr-events`, onError: (error) => logger.warn({ err: error }, 'QR event channel failed') })
      : undefined;
    if (qrEvents) {
      // Open event streams end first on shutdown, or the server could not stop listening until they close.
      const stopServer = stopListening;
      stopListening = async () => {
        await qrEvents.close();
        await stopServer();
      };
    }
    if (config.qrLogin.enabled && qrEvents) {
      const { qrLogin } = config;
      qrRouter = qrRoutes({
        issuer: config.issuer, provider, store, accounts, audit, events: qrEvents, placeOf: createPlaceLookup(config.campusNetworks),
        sessions: createQrSessions({ store, events: qrEvents, tokenSeconds: qrLogin.tokenSeconds, decisionSeconds: 180 }),
        limits: { startsPerIp: qrLogin.startsPerIp, approvalsPerIp: qrLogin.approvalsPerIp, windowSeconds: qrLogin.windowSeconds },
      });
    }
    const app = buildApp({ config, logger, securityNotifier, passwordPolicy, passwordReset, database, store, provider, accounts, limiter, totp, deviceTrust, recovery, smsCodes, contacts, emailCodes, contactsRule, knownBrowsers, passkeys, metrics, cookieKeys, extraRouters: qrRouter ? [...cas.routers, qrRouter] : cas.routers, scanEvents: qrEvents,
      appPasswords, audit, accountSessions, accountSecurity, weakPasswords, identity, appeals: { service: appeals, emailCodes: appealEmailCodes },
      readClientsFile: () => loadClientsFile(configured.clientsFile, options.env ?? process.env, configured.production),
      devOutbox: config.production ? {} : { sms: sms.name === 'memory' ? (sms as MemorySms) : undefined, email: email.name === 'memory' ? (email as MemoryEmail) : undefined },
      appPasswordLimiter: createSignInLimiter({ ...config.loginRateLimit, redis, keyPrefix: `${keyPrefix}app-password:` }) });
    handler = app.callback();
    return { url: config.issuer, server, logger, services: { prisma: database.prisma, accounts, store, deviceTrust, totp, recovery, sms, email }, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
