// Counts the Redis commands one request of each hot kind sends (Redis MONITOR) and, on PostgreSQL, the SQL
// transactions it commits (pg_stat_database), for BENCHMARKS.md and for spotting extra round trips.
// Needs REDIS_URL (DATABASE_URL for the SQL count). Run: npx tsx bench/round-trips.ts
import { Redis } from 'ioredis';
import pg from 'pg';
import * as client from 'openid-client';
import { startTestServer, redirectUri, webAppSecret } from '../test/helpers/test-server.ts';
import { seedStudent, student } from '../test/helpers/users.ts';
import { Browser } from '../test/helpers/browser.ts';
import { relyingParty, submitLogin } from '../test/helpers/oidc.ts';

const redisUrl = process.env.REDIS_URL;
if (!redisUrl) throw new Error('REDIS_URL is needed: MONITOR shows the commands a request sends');

const server = await startTestServer();
try {
  await seedStudent(server.services.prisma);
  const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  const monitorRedis = new Redis(redisUrl);
  const monitor = await monitorRedis.monitor();
  let seen: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args.some((arg) => arg.includes('campus-idp-test:'))) seen.push(`${args[0]!.toUpperCase()} ${args.slice(1).map((arg) => arg.replace(/campus-idp-test:[0-9a-f]+:/, '').slice(0, 48)).join(' ')}`);
  });
  // The server's own database (a fresh one per test server): its committed transactions, one per Prisma query.
  const databaseName = server.env.DATABASE_URL ? new URL(server.env.DATABASE_URL).pathname.slice(1) : undefined;
  const stats = databaseName ? new pg.Client({ connectionString: process.env.DATABASE_URL }) : undefined;
  await stats?.connect();
  const commits = async () => {
    if (!stats) return 0;
    await stats.query('SELECT pg_stat_clear_snapshot()');
    return Number((await stats.query('SELECT xact_commit FROM pg_stat_database WHERE datname = $1', [databaseName])).rows[0].xact_commit);
  };
  // Account lookups (each a Prisma query unless the 2 s cache holds the account).
  let accountLookups = 0;
  const { accounts } = server.services;
  const findById = accounts.findById.bind(accounts);
  accounts.findById = (id) => {
    accountLookups++;
    return findById(id);
  };
  const count = async (name: string, operation: () => Promise<unknown>) => {
    // An idle backend reports its statistics to pg_stat_database within 10 s (PGSTAT_IDLE_INTERVAL). The wait
    // also lets the 2 s account cache expire: each request starts cold, as with many different people.
    const settle = () => new Promise((resolve) => setTimeout(resolve, stats ? 11_000 : 2_500));
    await settle();
    const committedBefore = await commits();
    seen = [];
    accountLookups = 0;
    await operation();
    await settle();
    const sql = stats ? `, ${(await commits()) - committedBefore} SQL transactions` : '';
    console.log(`\n${name}: ${seen.length} Redis commands${sql}, ${accountLookups} account lookups`);
    for (const line of seen) console.log(`  ${line.slice(0, 140)}`);
  };

  const browser = new Browser();
  let tokens!: Awaited<ReturnType<typeof app.callback>>;
  await count('password sign-in (authorize → sign-in → code → token)', async () => {
    const started = await app.authorize(browser, { scope: 'openid profile' });
    const done = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
    tokens = await app.callback(done.url, started);
  });
  await count('refresh with rotation', () => client.refreshTokenGrant(app.config, tokens.refresh_token!));
  await count('userinfo', () => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } }).then((r) => r.text()));
  const basic = `Basic ${Buffer.from(`web-app:${webAppSecret}`).toString('base64')}`;
  await count('introspection', () =>
    fetch(`${server.url}/token/introspection`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.access_token}` }).then((r) => r.text()));
  await stats?.end();
  monitorRedis.disconnect();
  monitor.disconnect();
} finally {
  await server.destroy();
}
