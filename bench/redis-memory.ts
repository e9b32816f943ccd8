// Redis memory per signed-in person: signs in N different people through the full code flow (each holds an SSO
// session, a grant, an access and a refresh token, plus whatever the flow leaves until it expires), then sums
// MEMORY USAGE over the server's keys by kind and reads the used_memory growth. Needs REDIS_URL.
import { Redis } from 'ioredis';
import { startTestServer, redirectUri, webAppSecret } from '../test/helpers/test-server.ts';
import { hashPassword } from '../src/services/password-hashing.ts';
import { Browser } from '../test/helpers/browser.ts';
import { relyingParty, submitLogin } from '../test/helpers/oidc.ts';

export interface RedisMemoryResult {
  people: number;
  /** Bytes per person, summed over keys (MEMORY USAGE, which counts each key's own allocations). */
  bytesPerPerson: number;
  /** used_memory growth per person (includes the keyspace's hash table). */
  usedMemoryPerPerson: number;
  byKind: { kind: string; keys: number; bytesPerPerson: number }[];
}

/** The kind of a key: its oidc-provider model (oidc:Session, oidc:Grant, …, with :consumed markers apart) or our
 *  own first two segments (e.g. account:sessions). */
const kindOf = (key: string) => key.split(':').slice(0, 2).join(':') + (key.endsWith(':consumed') ? ':consumed' : '');

export async function measureRedisMemory(redisUrl: string, people: number): Promise<RedisMemoryResult> {
  const server = await startTestServer();
  const redis = new Redis(redisUrl);
  try {
    const prefix = server.redisPrefix;
    const passwordHash = await hashPassword('Quartz-Kettle-Orbit-Vanish-42');
    await server.services.prisma.user.createMany({
      data: Array.from({ length: people }, (_, index) => ({ username: `M${String(index).padStart(5, '0')}`, displayName: 'Bench', type: 'student', status: 'active', passwordHash })),
    });
    const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const before = await usedMemory();
    for (let index = 0; index < people; index++) {
      const browser = new Browser();
      const started = await app.authorize(browser, { scope: 'openid profile' });
      const done = await submitLogin(browser, started.page, `M${String(index).padStart(5, '0')}`, 'Quartz-Kettle-Orbit-Vanish-42', redirectUri);
      await app.callback(done.url, started);
    }
    const after = await usedMemory();

    const byKind = new Map<string, { keys: number; bytes: number }>();
    let total = 0;
    for await (const keys of redis.scanStream({ match: `${prefix}*`, count: 500 }) as AsyncIterable<string[]>) {
      for (const key of keys) {
        const bytes = Number((await redis.memory('USAGE', key)) ?? 0);
        const kind = kindOf(key.slice(prefix.length));
        const entry = byKind.get(kind) ?? { keys: 0, bytes: 0 };
        entry.keys++;
        entry.bytes += bytes;
        byKind.set(kind, entry);
        total += bytes;
      }
    }
    return {
      people,
      bytesPerPerson: total / people,
      usedMemoryPerPerson: (after - before) / people,
      byKind: [...byKind].map(([kind, entry]) => ({ kind, keys: entry.keys, bytesPerPerson: entry.bytes / people })).sort((a, b) => b.bytesPerPerson - a.bytesPerPerson),
    };
  } finally {
    redis.disconnect();
    await server.destroy();
  }
}

