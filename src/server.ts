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
import { createSqlStore } from './data/sql-store.ts';
import type { KeyValueStore } from './data/kv-store.ts';
import { createAccountService, type AccountService } from './services/accounts.ts';
import type { PrismaClient } from './generated/prisma/client.ts';
import { createSignInLimiter } from './services/sign-in-limiter.ts';
import { ensureCookieKeys, ensureFactorKey } from './services/server-secrets.ts';
import { createTotpService } from './services/totp.ts';
import { createRecoveryCodeService } from './services/recovery-codes.ts';
import { createDeviceTrustService, type DeviceTrustService } from './services/device-trust.ts';
import { createSecretBox } from './lib/secret-box.ts';
import { ensureSigningKeys, loadSigningJwks } from './oidc/keys.ts';
import { createAdapterFactory } from './oidc/adapter.ts';
import { createProvider } from './oidc/provider.ts';
import { providerPages } from '../interactions/render.ts';
import { createCas } from './cas/index.ts';
import { createMetrics } from './http/metrics.ts';
import { casBridgeClient } from './cas/sso-bridge.ts';
import { buildApp } from './app.ts';

export interface RunningServer {
  url: string;
  server: Server;
  logger: Logger;
  /** The services behind the server, for the CLI-free set-up steps of tests and the start-up banner. */
  services: { prisma: PrismaClient; accounts: AccountService; store: KeyValueStore; deviceTrust: DeviceTrustService };
  close(): Promise<void>;
}

export interface StartOptions {
  /** Environment used to resolve client secrets named in clients.json (defaults to process.env). */
  env?: Record<string, string | undefined>;
  logger?: Logger;
  /** Redis key prefix, so tests can share one Redis without seeing each other. */
  redisKeyPrefix?: string;
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

    const database = await openDatabase(config);
    closers.push(() => database.close());
    const applied = await applyMigrations(database);
    if (applied.length) logger.info({ migrations: applied }, 'applied database migrations');

    const keyPrefix = options.redisKeyPrefix ?? config.redisKeyPrefix;
    let store: KeyValueStore;
    let redis: Redis | undefined;
    if (config.redisUrl) {
      store = await createRedisStore({ url: config.redisUrl, keyPrefix });
      redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 2, enableOfflineQueue: false, lazyConnect: true });
      await redis.connect();
      const limiterRedis = redis;
      closers.push(async () => void limiterRedis.disconnect());
    } else {
      store = createSqlStore(database.sql);
    }
    closers.push(() => store.close());

    await ensureSigningKeys(database.prisma);
    const jwks = await loadSigningJwks(database.prisma, config.signingAlg);
    const cookieKeys = await ensureCookieKeys(database.prisma, config.cookieKeys);
    const accounts = createAccountService(database.prisma);
    const limiter = createSignInLimiter({ ...config.loginRateLimit, redis, keyPrefix });
    const adapter = createAdapterFactory(store);
    const oidcClients = [...clients.oidc, { metadata: casBridgeClient(config.issuer), firstParty: true, mfaRequired: false }];
    const metrics = createMetrics();
    const provider = createProvider({ config, clients: oidcClients, jwks, cookieKeys, accounts, adapter, pages: providerPages }, logger);
    const cas = createCas({ config, services: clients.cas, provider, store, accounts, logger, adapter, limiter, metrics });
    const totp = createTotpService(database.prisma, createSecretBox(ensureFactorKey(config.factorKey, config.dataDir)), new URL(config.issuer).host);
    const deviceTrust = createDeviceTrustService(database.prisma, config.deviceTrustDays);
    const recovery = createRecoveryCodeService(database.prisma);
    const app = buildApp({ config, logger, database, store, provider, accounts, limiter, totp, deviceTrust, recovery, metrics, cookieKeys, extraRouters: cas.routers });
    handler = app.callback();
    return { url: config.issuer, server, logger, services: { prisma: database.prisma, accounts, store, deviceTrust }, close: closeAll };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
