// The library's own ceiling: a bare oidc-provider with one static client_credentials client and the same
// store as campus-idp (our adapter over Redis, or over the SQL store on an in-memory PGlite). Started by
// bench/run.ts as a child process; prints its port.
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

const provider = new Provider('http://127.0.0.1', {
  adapter: createAdapterFactory(store),
  clients: [{ client_id: 'bench-service', client_secret: process.env.BENCH_SECRET ?? 'bench-service-secret-0123456789abcdef', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] }],
  features: { clientCredentials: { enabled: true }, introspection: { enabled: true }, devInteractions: { enabled: false } },
});
const server = provider.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
