// The library's own ceiling: a bare oidc-provider on the same store as campus-idp (our adapter over Redis, or
// over the SQL store on an in-memory PGlite), with ES256 ID tokens like ours. Started by bench/run.ts as a child
// process; prints one JSON line: its port, an access token and refresh tokens of one session-bound grant, minted
// in-process, so userinfo, introspection and refresh rotation can be measured without our sign-in pages.
import { generateKeyPairSync } from 'node:crypto';
import { Provider } from 'oidc-provider';
import { createAdapterFactory } from '../src/oidc/adapter.ts';
import { createRedisStore } from '../src/data/redis-store.ts';
import { createSqlStore } from '../src/data/sql-store.ts';
import { openDatabase } from '../src/data/database.ts';
import { applyMigrations } from '../src/data/migrate.ts';
import type { KeyValueStore } from '../src/data/kv-store.ts';

const redisUrl = process.env.REDIS_URL;
let store: KeyValueStore;
if (redisUrl) {
  store = await createRedisStore({ url: redisUrl, keyPrefix: process.env.REDIS_KEY_PREFIX ?? 'campus-idp-bare:' });
} else {
  const database = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://' });
  await applyMigrations(database);
  store = createSqlStore(database.sql);
}

const secret = process.env.BENCH_SECRET ?? 'bench-service-secret-0123456789abcdef';
const refreshTokenCount = Number(process.env.BARE_REFRESH_TOKENS ?? 40);
const signingKey = { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' }), kid: 'bench', use: 'sig', alg: 'ES256' };
const provider = new Provider('http://127.0.0.1', {
  adapter: createAdapterFactory(store),
  jwks: { keys: [signingKey] },
  clientDefaults: { grant_types: ['authorization_code'], response_types: ['code'], id_token_signed_response_alg: 'ES256', token_endpoint_auth_method: 'client_secret_basic' },
  ttl: { AccessToken: 600, ClientCredentials: 600, Grant: 1_209_600, RefreshToken: 1_209_600, Session: 28_800, IdToken: 3600 },
  clients: [
    { client_id: 'bench-service', client_secret: secret, grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
    { client_id: 'bench-app', client_secret: secret, grant_types: ['authorization_code', 'refresh_token'], redirect_uris: ['http://127.0.0.1:9/cb'] },
  ],
  scopes: ['openid', 'offline_access', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
  findAccount: async (_ctx, accountId) => ({ accountId, claims: () => ({ sub: accountId, name: 'Bench', preferred_username: 'B0001' }) }),
  rotateRefreshToken: () => true,
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, userinfo: { enabled: true }, devInteractions: { enabled: false } },
});

// One signed-in session with a grant, and session-bound tokens of it, as our sign-in leaves behind.
const accountId = 'bench-account';
const client = (await provider.Client.find('bench-app'))!;
const grant = new provider.Grant({ accountId, clientId: 'bench-app' });
grant.addOIDCScope('openid profile');
const grantId = await grant.save();
const now = Math.floor(Date.now() / 1000);
const session = Object.assign(new provider.Session(), { accountId, loginTs: now, authorizations: { 'bench-app': { grantId, persistsLogout: false } } });
// The library's types omit save's ttl argument (the session's lifetime in seconds).
await (session as unknown as { save(ttl: number): Promise<string> }).save(3600);
const bound = { accountId, client, grantId, scope: 'openid profile', sessionUid: session.uid, expiresWithSession: true, gty: 'authorization_code' };
const accessToken = await new provider.AccessToken(bound).save();
const refreshTokens = await Promise.all(Array.from({ length: refreshTokenCount }, () => new provider.RefreshToken({ ...bound, iiat: now, authTime: now }).save()));

const server = provider.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${JSON.stringify({ port: typeof address === 'object' && address ? address.port : 0, accessToken, refreshTokens })}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
