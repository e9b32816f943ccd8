// Starts the real server on a real port for flow tests: embedded PGlite in a temp DATA_DIR by default, or a
// fresh PostgreSQL database and a private Redis key prefix when DATABASE_URL / REDIS_URL are set.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config/env.ts';
import { startServer, type RunningServer, type StartOptions } from '../../src/server.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { openTestDatabase, serverRedisUrl, type TestDatabase } from './stores.ts';

export const webAppSecret = 'web-app-secret-0123456789-abcdefghijklmnop';
export const serviceSecret = 'service-secret-0123456789-abcdefghijklmnop';
export const thirdPartySecret = 'third-party-secret-0123456789-abcdefghijk';
export const redirectUri = 'http://127.0.0.1:9/cb';
export const postLogoutRedirectUri = 'http://127.0.0.1:9/bye';

export const testClients = {
  oidc: [
    {
      client_id: 'web-app',
      client_name: 'Web App',
      client_secret_env: 'WEB_APP_SECRET',
      redirect_uris: [redirectUri],
      post_logout_redirect_uris: [postLogoutRedirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      first_party: true,
    },
    {
      client_id: 'second-app',
      client_name: 'Second App',
      token_endpoint_auth_method: 'none',
      redirect_uris: ['http://127.0.0.1:9/second'],
      grant_types: ['authorization_code'],
      first_party: true,
    },
    {
      client_id: 'third-party',
      client_name: 'Third Party',
      client_secret_env: 'THIRD_PARTY_SECRET',
      redirect_uris: ['http://127.0.0.1:9/third'],
      grant_types: ['authorization_code'],
    },
    {
      client_id: 'service',
      client_secret_env: 'SERVICE_SECRET',
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
    },
  ],
  cas: [],
};

export interface TestServer extends RunningServer {
  /** The settings it was started with, for a second instance on the same stores. */
  env: Record<string, string | undefined>;
  /** The prefix of its Redis keys (each test server has its own). */
  redisPrefix: string;
  /** Another server on the same database and Redis (PostgreSQL + Redis only: PGlite is one process). */
  sibling(): Promise<TestServer>;
  /** Stops the server; the data stays for `restart`. */
  stop(): Promise<void>;
  /** Starts a new server on the same stores and the same port (so the issuer and cookies stay valid). */
  restart(): Promise<TestServer>;
  /** Stops and removes the stores. */
  destroy(): Promise<void>;
}

interface Stores {
  dataDir: string;
  database: TestDatabase | undefined;
  redisPrefix: string;
  extraClients: ExtraRegistrations;
  /** Collaborators a test replaces with recorders (e.g. the security notifier). */
  startOptions?: Pick<StartOptions, 'securityNotifier'>;
}

export interface ExtraRegistrations {
  oidc?: Record<string, unknown>[];
  cas?: Record<string, unknown>[];
}

export async function startTestServer(
  overrides: Record<string, string> = {},
  extra: ExtraRegistrations | Record<string, unknown>[] = {},
  startOptions: Pick<StartOptions, 'securityNotifier'> = {},
): Promise<TestServer> {
  const extraClients = Array.isArray(extra) ? { oidc: extra } : extra;
  const dataDir = mkdtempSync(join(tmpdir(), 'campus-idp-test-'));
  let database: TestDatabase | undefined;
  if (process.env.DATABASE_URL) {
    database = await openTestDatabase();
    // The server opens its own connection pool; the helper only keeps the database for cleanup.
    await database.database.close();
  }
  return boot({ dataDir, database, redisPrefix: `campus-idp-test:${randomBytes(6).toString('hex')}:`, extraClients, startOptions }, overrides);
}

async function boot(stores: Stores, overrides: Record<string, string>): Promise<TestServer> {
  const clientsFile = join(stores.dataDir, 'clients.json');
  writeFileSync(
    clientsFile,
    JSON.stringify({ oidc: [...testClients.oidc, ...(stores.extraClients.oidc ?? [])], cas: stores.extraClients.cas ?? [] }),
  );
  const env: Record<string, string | undefined> = {
    PORT: '0',
    HOST: '127.0.0.1',
    ISSUER: 'http://127.0.0.1:0',
    DATA_DIR: stores.dataDir,
    CLIENTS_FILE: clientsFile,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: stores.database?.url,
    REDIS_URL: serverRedisUrl,
    WEB_APP_SECRET: webAppSecret,
    SERVICE_SECRET: serviceSecret,
    THIRD_PARTY_SECRET: thirdPartySecret,
    ...overrides,
  };
  const config = loadConfig(env);
  const running = await startServer(config, { ...stores.startOptions, env, logger: createLogger(config.logLevel), redisKeyPrefix: stores.redisPrefix });
  return {
    ...running,
    env,
    redisPrefix: stores.redisPrefix,
    async sibling() {
      const other = await boot(stores, { ...overrides, PORT: '0', ISSUER: running.url });
      // The stores belong to the first server: the sibling only stops.
      return { ...other, destroy: () => other.stop() };
    },
    stop: () => running.close(),
    restart: () => {
      const port = new URL(running.url).port;
      return boot(stores, { ...overrides, PORT: port, ISSUER: `http://127.0.0.1:${port}` });
    },
    async destroy() {
      await running.close();
      if (serverRedisUrl) await deleteRedisKeys(stores.redisPrefix);
      await stores.database?.cleanup();
      rmSync(stores.dataDir, { recursive: true, force: true });
    },
  };
}

async function deleteRedisKeys(prefix: string): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(serverRedisUrl as string);
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length) await redis.del(...keys);
  } while (cursor !== '0');
  redis.disconnect();
}
