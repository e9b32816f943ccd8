// `npm run bench`: starts campus-idp (pinned to one core when taskset exists) on the stores the environment
// names (embedded by default; DATABASE_URL / REDIS_URL for PostgreSQL + Redis), warms up, and prints for each
// workload req/s, p50/p99 and requests per server CPU-second, next to a bare oidc-provider on the same store.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { openDatabase } from '../src/data/database.ts';
import { applyMigrations } from '../src/data/migrate.ts';
import { hashPassword } from '../src/services/password-hashing.ts';
import { Browser } from '../test/helpers/browser.ts';
import { relyingParty, submitLogin } from '../test/helpers/oidc.ts';
import { processCpuSeconds, runLoad, type LoadResult } from './load.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const root = new URL('..', import.meta.url).pathname;
const node = join(root, 'node_modules/.bin/node');
const secret = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
const user = { username: 'B0001', password: 'Bench-Password-Long-42' };
const service = 'https://app.example.edu/cas';
const callback = 'http://127.0.0.1:9/cb';
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const prefix = `campus-idp-bench:${randomBytes(4).toString('hex')}:`;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

async function waitFor(url: string) {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${url} did not come up`);
}

function spawnPinned(args: string[], env: Record<string, string | undefined>): ChildProcess {
  const command = hasTaskset ? 'taskset' : node;
  const argv = hasTaskset ? ['-c', '0', node, ...args] : args;
  return spawn(command, argv, { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
}

async function main() {
  const dataDir = mkdtempSync(join(tmpdir(), 'campus-idp-bench-'));
  let databaseUrl = process.env.DATABASE_URL;
  let dropDatabase: (() => Promise<void>) | undefined;
  if (databaseUrl) {
    const { default: pg } = await import('pg');
    const name = `campus_idp_bench_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const server = databaseUrl;
    const url = new URL(databaseUrl);
    url.pathname = `/${name}`;
    databaseUrl = url.toString();
    dropDatabase = async () => {
      const dropper = new pg.Client({ connectionString: server });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    };
  }
  const database = await openDatabase({ databaseUrl, dataDir });
  await applyMigrations(database);
  await database.prisma.user.create({ data: { username: user.username, displayName: 'Bench', type: 'staff', status: 'active', passwordHash: await hashPassword(user.password) } });
  await database.close();

  const clientsFile = join(dataDir, 'clients.json');
  writeFileSync(clientsFile, JSON.stringify({
    oidc: [
      { client_id: 'bench-app', client_secret_env: 'BENCH_SECRET', redirect_uris: [callback], grant_types: ['authorization_code', 'refresh_token'], first_party: true },
      { client_id: 'bench-service', client_secret_env: 'BENCH_SECRET', grant_types: ['client_credentials'], redirect_uris: [], response_types: [] },
    ],
    cas: [{ id: 'bench-cas', service, attributes: ['uid', 'cn'] }],
  }));
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const env = {
    PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer, DATA_DIR: dataDir, CLIENTS_FILE: clientsFile, LOG_LEVEL: 'warn',
    DATABASE_URL: databaseUrl, REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: prefix, BENCH_SECRET: secret, CAS_TICKET_TTL: '60',
    LOGIN_LIMIT_PER_ACCOUNT: '10000', LOGIN_LIMIT_PER_IP: '1000000',
  };
  const server = spawnPinned([join(root, 'bin/serve.mjs')], env);
  const bare = spawnPinned(['--import', 'tsx', join(root, 'bench/bare-provider.ts')], { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `${prefix}bare:`, BENCH_SECRET: secret });
  const barePort = await new Promise<number>((resolve) => bare.stdout!.once('data', (chunk: Buffer) => resolve(Number(chunk.toString().trim()))));
  server.stdout!.resume();
  const exited = new Promise<never>((_, reject) => server.once('exit', (code) => reject(new Error(`campus-idp exited with code ${code} before it was ready`))));
  await Promise.race([waitFor(`${issuer}/healthz`), exited]);

  const results: { name: string; result: LoadResult; cpu: number }[] = [];
  const measure = async (name: string, target: ChildProcess, operation: (worker: number) => Promise<void | 'done'>, concurrency: number, warmup = 2) => {
    await runLoad(operation, { seconds: warmup, concurrency });
    const before = processCpuSeconds(target.pid!);
    const result = await runLoad(operation, { seconds, concurrency });
    const cpu = processCpuSeconds(target.pid!) - before;
    results.push({ name, result, cpu });
    process.stderr.write(`  ${name}: ${result.perSecond.toFixed(0)}/s\n`);
  };
  const basic = `Basic ${Buffer.from(`bench-service:${secret}`).toString('base64')}`;
  const clientCredentials = (base: string) => async () => {
    const response = await fetch(`${base}/token`, { method: 'POST', headers: { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=client_credentials' });
    if (response.status !== 200) throw new Error(`token ${response.status}`);
    await response.arrayBuffer();
  };

  // Sign-ins and tokens to work with.
  const app = await relyingParty(issuer, 'bench-app', callback, secret);
  const signIn = async (browser = new Browser()) => {
    const started = await app.authorize(browser, { scope: 'openid profile' });
    const done = await submitLogin(browser, started.page, user.username, user.password, callback);
    return { browser, tokens: await app.callback(done.url, started) };
  };
  const { browser, tokens } = await signIn();
  const cookie = browser.cookieHeaderFor(new URL(issuer));

  await measure('password sign-in (authorize → sign-in → code → token)', server, async () => void (await signIn()), 8);
  await measure('client credentials', server, clientCredentials(issuer), 32);
  await measure('client credentials, bare oidc-provider', bare, clientCredentials(`http://127.0.0.1:${barePort}`), 32);
  const chains = await Promise.all(Array.from({ length: 16 }, async () => ({ token: (await signIn()).tokens.refresh_token! })));
  // One chain per worker: a refresh token used twice at once would (rightly) revoke its grant.
  await measure('refresh with rotation', server, async (worker) => {
    const chain = chains[worker]!;
    const refreshed = await client.refreshTokenGrant(app.config, chain.token);
    chain.token = refreshed.refresh_token!;
  }, 16, 1);
  await measure('userinfo', server, async () => {
    const response = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    if (response.status !== 200) throw new Error(`userinfo ${response.status}`);
    await response.arrayBuffer();
  }, 32);
  const appBasic = `Basic ${Buffer.from(`bench-app:${secret}`).toString('base64')}`;
  await measure('introspection', server, async () => {
    const response = await fetch(`${issuer}/token/introspection`, { method: 'POST', headers: { authorization: appBasic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.access_token}` });
    if (response.status !== 200) throw new Error(`introspection ${response.status}`);
    await response.arrayBuffer();
  }, 32);
  const issueTicket = async () => {
    const login = await fetch(`${issuer}/cas/login?service=${encodeURIComponent(service)}`, { headers: { cookie }, redirect: 'manual' });
    const ticket = new URL(login.headers.get('location') ?? '', issuer).searchParams.get('ticket');
    await login.arrayBuffer();
    if (!ticket) throw new Error('no ticket');
    return ticket;
  };
  const validateTicket = async (ticket: string) => {
    const validation = await fetch(`${issuer}/cas/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=${ticket}`);
    const body = await validation.text();
    if (!body.includes('authenticationSuccess')) throw new Error('validation failed');
  };
  await measure('CAS service ticket (SSO cookie) + /p3/serviceValidate', server, async () => validateTicket(await issueTicket()), 32);
  // Validation alone: a pool of tickets issued beforehand (CAS_TICKET_TTL=60 keeps them alive), then validated.
  const pool: string[] = [];
  const poolSize = Math.min(40_000, Math.ceil((results.at(-1)?.result.perSecond ?? 500) * (seconds + 2) * 6));
  await runLoad(async () => {
    if (pool.length >= poolSize) return 'done';
    pool.push(await issueTicket());
  }, { seconds: Math.min(50, poolSize / Math.max(results.at(-1)?.result.perSecond ?? 500, 1) + 1), concurrency: 32 });
  // Tickets live CAS_TICKET_TTL=60 s: the pool must be used up within a minute of being filled.
  await measure('CAS /p3/serviceValidate alone', server, async () => {
    const ticket = pool.pop();
    if (!ticket) return 'done';
    await validateTicket(ticket);
  }, 32);

  server.kill('SIGTERM');
  bare.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (process.env.REDIS_URL) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    redis.disconnect();
  }
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });

  const stores = `${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} + ${process.env.REDIS_URL ? 'Redis' : 'SQL key-value store'}`;
  console.log(`\ncampus-idp benchmark — ${new Date().toISOString()} — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}`);
  console.log(`stores: ${stores}; server ${hasTaskset ? 'pinned to one core' : 'not pinned (no taskset)'}; ${seconds} s per workload after warm-up\n`);
  console.log('| workload | req/s | p50 ms | p99 ms | server CPU s | req per server CPU-s | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { name, result, cpu } of results) {
    console.log(`| ${name} | ${result.perSecond.toFixed(0)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${cpu.toFixed(2)} | ${(result.operations / Math.max(cpu, 0.01)).toFixed(0)} | ${result.errors} |`);
  }
  const ours = results.find((entry) => entry.name === 'client credentials');
  const theirs = results.find((entry) => entry.name === 'client credentials, bare oidc-provider');
  if (ours && theirs) console.log(`\nclient credentials vs bare oidc-provider: ${((ours.result.perSecond / theirs.result.perSecond) * 100).toFixed(0)} %`);
}

await main();
