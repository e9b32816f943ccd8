// `npm run bench`: starts campus-idp (pinned to one core when taskset exists) on the stores the environment
// names (embedded by default; DATABASE_URL / REDIS_URL for PostgreSQL + Redis), warms up, and prints for each
// workload req/s, p50/p99 and requests per server CPU-second, next to a bare oidc-provider on the same store.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { measureQrApproval } from './qr-approval.ts';
import { hasWrk, runWrk, type WrkWorkload } from './wrk.ts';
import { measureRedisMemory } from './redis-memory.ts';
import { rssSlopePerMinute, soak } from './soak.ts';
import { measureWaitingPages, type WaitingPagesResult } from './qr-waiting.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 8);
const root = new URL('..', import.meta.url).pathname;
const node = join(root, 'node_modules/.bin/node');
const secret = 'bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
// Must pass the password policy (no personal words such as the display name), or sign-in stops at a change page.
const user = { username: 'B0001', password: 'Quartz-Kettle-Orbit-Vanish-42' };
const service = 'https://app.example.edu/cas';
const callback = 'http://127.0.0.1:9/cb';
const hasTaskset = spawnSync('taskset', ['-V']).status === 0;
const prefix = `campus-idp-bench:${randomBytes(4).toString('hex')}:`;
/** BENCH_ONLY=<regex>: run only the workloads whose name matches (password sign-in still runs to mint tokens). */
/** BENCH_SOAK_SECONDS=<n>: instead of the workloads, the long mixed run that watches the server's RSS. */
const soakSeconds = Number(process.env.BENCH_SOAK_SECONDS ?? 0);
const only = soakSeconds ? /^soak$/ : process.env.BENCH_ONLY ? new RegExp(process.env.BENCH_ONLY, 'i') : undefined;
/** BENCH_CPU_PROF=<dir>: the servers write V8 CPU profiles there (the bare provider in <dir>/bare) when they stop. */
const cpuProfileDir = process.env.BENCH_CPU_PROF;
/** BENCH_NODE_FLAGS: extra Node flags for both servers (e.g. --experimental-async-context-frame). */
const nodeFlags = (process.env.BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean);
/** Servers on core 0, load generators on core 1, so the generator never steals the server's core. */
const pinned = hasTaskset && cpus().length >= 2;
if (pinned) spawnSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });

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
  const command = pinned ? 'taskset' : node;
  const argv = pinned ? ['-c', '0', node, ...nodeFlags, ...args] : [...nodeFlags, ...args];
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
    LOGIN_LIMIT_PER_ACCOUNT: '10000', LOGIN_LIMIT_PER_IP: '1000000', QR_LIMIT_PER_IP: '1000000', QR_APPROVALS_PER_IP: '1000000',
  };
  const server = spawnPinned([...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfileDir] : []), join(root, 'bin/serve.mjs')], env);
  const bare = spawnPinned([...(cpuProfileDir ? ['--cpu-prof', '--cpu-prof-dir', join(cpuProfileDir, 'bare')] : []), '--import', 'tsx', join(root, 'bench/bare-provider.ts')], { REDIS_URL: process.env.REDIS_URL, REDIS_KEY_PREFIX: `${prefix}bare:`, BENCH_SECRET: secret });
  const bareReady = await new Promise<{ port: number; accessToken: string; refreshTokens: string[] }>((resolve) => {
    let printed = '';
    bare.stdout!.on('data', (chunk: Buffer) => {
      printed += chunk.toString();
      // The library prints notices on stdout too: the answer is the line that starts with '{'.
      const line = printed.split('\n').find((entry, index, lines) => entry.startsWith('{') && index < lines.length - 1);
      if (line) resolve(JSON.parse(line));
    });
  });
  const barePort = bareReady.port;
  const bareUrl = `http://127.0.0.1:${barePort}`;
  // BENCH_SERVER_LOG=<file>: keep the server's log lines (warn and above) for a look afterwards.
  if (process.env.BENCH_SERVER_LOG) server.stdout!.pipe(createWriteStream(process.env.BENCH_SERVER_LOG));
  else server.stdout!.resume();
  const exited = new Promise<never>((_, reject) => server.once('exit', (code) => reject(new Error(`campus-idp exited with code ${code} before it was ready`))));
  await Promise.race([waitFor(`${issuer}/healthz`), exited]);

  const results: { name: string; result: LoadResult; cpu: number }[] = [];
  let waiting: WaitingPagesResult | undefined;
  const measure = async (name: string, target: ChildProcess, operation: (worker: number) => Promise<void | 'done'>, concurrency: number, warmup = 2) => {
    if (only && !only.test(name)) return;
    await runLoad(operation, { seconds: warmup, concurrency });
    const before = processCpuSeconds(target.pid!);
    const result = await runLoad(operation, { seconds, concurrency });
    const cpu = processCpuSeconds(target.pid!) - before;
    results.push({ name, result, cpu });
    process.stderr.write(`  ${name}: ${result.perSecond.toFixed(0)}/s\n`);
  };
  // The same request driven by wrk on the load core: warm-up, then measured like the others.
  const measureWrk = async (name: string, target: ChildProcess, workload: Omit<WrkWorkload, 'seconds' | 'pinToCore'>, warmup = 2) => {
    if (!hasWrk || (only && !only.test(name))) return;
    const pinToCore = pinned ? 1 : undefined;
    if (warmup > 0) await runWrk({ ...workload, seconds: warmup, pinToCore });
    const before = processCpuSeconds(target.pid!);
    const result = await runWrk({ ...workload, seconds, pinToCore });
    const cpu = processCpuSeconds(target.pid!) - before;
    results.push({ name, result, cpu });
    process.stderr.write(`  ${name}: ${result.perSecond.toFixed(0)}/s\n`);
  };
  const wrkRequest = (url: string, method: string, headers: Record<string, string>, body?: string): Omit<WrkWorkload, 'seconds' | 'pinToCore'> => ({
    url, script: 'request.lua', connections: 32,
    env: { WRK_METHOD: method, WRK_HEADERS: Object.entries(headers).map(([header, value]) => `${header}: ${value}`).join('\n'), ...(body === undefined ? {} : { WRK_BODY: body }) },
  });
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
  if (soakSeconds) {
    const appBasic = `Basic ${Buffer.from(`bench-app:${secret}`).toString('base64')}`;
    let accessToken = tokens.access_token;
    const refreshChains = await Promise.all(Array.from({ length: 8 }, async () => (await signIn()).tokens.refresh_token!));
    const ok = async (response: Response, what: string) => {
      await response.arrayBuffer();
      if (!response.ok) throw new Error(`${what} ${response.status}`);
    };
    const mix = [
      async () => void (await signIn()),
      async (worker: number) => {
        const refreshed = await client.refreshTokenGrant(app.config, refreshChains[worker]!);
        refreshChains[worker] = refreshed.refresh_token!;
        // A run longer than the access token's life keeps using fresh ones.
        accessToken = refreshed.access_token;
      },
      async () => ok(await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } }), 'userinfo'),
      async () => ok(await fetch(`${issuer}/token/introspection`, { method: 'POST', headers: { authorization: appBasic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${accessToken}` }), 'introspection'),
      async () => {
        const login = await fetch(`${issuer}/cas/login?service=${encodeURIComponent(service)}`, { headers: { cookie }, redirect: 'manual' });
        await login.arrayBuffer();
        const ticket = new URL(login.headers.get('location') ?? '', issuer).searchParams.get('ticket');
        await ok(await fetch(`${issuer}/cas/p3/serviceValidate?service=${encodeURIComponent(service)}&ticket=${ticket}`), 'CAS validation');
      },
    ];
    const perSecond = Number(process.env.BENCH_SOAK_RATE ?? 200);
    const errors = new Map<string, number>();
    const counted = mix.map((operation) => async (worker: number) => {
      try {
        await operation(worker);
      } catch (error) {
        const message = error instanceof Error ? error.message.slice(0, 80) : String(error);
        errors.set(message, (errors.get(message) ?? 0) + 1);
        throw error;
      }
    });
    const { load, samples } = await soak({ pid: server.pid!, seconds: soakSeconds, perSecond, concurrency: 8, sampleSeconds: 15, mix: counted });
    console.log(`\nsoak: ${soakSeconds} s of mixed load (sign-in, refresh, userinfo, introspection, CAS) at ~${perSecond}/s: ${load.operations} operations, ${load.errors} errors, p50 ${load.p50.toFixed(1)} ms, p99 ${load.p99.toFixed(1)} ms`);
    console.log(`RSS: ${samples[0]!.rssMiB.toFixed(0)} MiB at start, ${samples.at(-1)!.rssMiB.toFixed(0)} MiB at the end, max ${Math.max(...samples.map((entry) => entry.rssMiB)).toFixed(0)} MiB; growth after the first minute ${rssSlopePerMinute(samples, 60).toFixed(2)} MiB/min`);
    console.log(samples.map((entry) => `${entry.second}s:${entry.rssMiB.toFixed(0)}`).join(' '));
    if (errors.size) console.log(`errors: ${[...errors].map(([message, count]) => `${message} ×${count}`).join('; ')}`);
  }

  await measure('password sign-in (authorize → sign-in → code → token)', server, async () => void (await signIn()), 8);
  await measure('client credentials', server, clientCredentials(issuer), 32);
  await measure('client credentials, bare oidc-provider', bare, clientCredentials(`http://127.0.0.1:${barePort}`), 32);
  const clientCredentialsRequest = (base: string) =>
    wrkRequest(`${base}/token`, 'POST', { authorization: basic, 'content-type': 'application/x-www-form-urlencoded' }, 'grant_type=client_credentials');
  await measureWrk('client credentials (wrk)', server, clientCredentialsRequest(issuer));
  await measureWrk('client credentials, bare oidc-provider (wrk)', bare, clientCredentialsRequest(`http://127.0.0.1:${barePort}`));
  const chains = await Promise.all(Array.from({ length: 16 }, async () => ({ token: (await signIn()).tokens.refresh_token! })));
  // One chain per worker: a refresh token used twice at once would (rightly) revoke its grant.
  await measure('refresh with rotation', server, async (worker) => {
    const chain = chains[worker]!;
    const refreshed = await client.refreshTokenGrant(app.config, chain.token);
    chain.token = refreshed.refresh_token!;
  }, 16, 1);
  if (hasWrk && (!only || only.test('refresh with rotation (wrk)'))) {
    // Fresh chains, a few more than connections (wrk builds one request per connection before it starts sending);
    // no warm-up run (the chains it rotated would be lost to the measured run).
    const tokensFile = join(dataDir, 'refresh-tokens.txt');
    writeFileSync(tokensFile, (await Promise.all(Array.from({ length: 40 }, async () => (await signIn()).tokens.refresh_token!))).join('\n'));
    await measureWrk('refresh with rotation (wrk)', server, {
      url: issuer, script: 'refresh.lua', connections: 32,
      env: { WRK_TOKENS: tokensFile, WRK_AUTHORIZATION: `Basic ${Buffer.from(`bench-app:${secret}`).toString('base64')}` },
    }, 0);
  }
  if (hasWrk && (!only || only.test('refresh with rotation, bare oidc-provider (wrk)'))) {
    const tokensFile = join(dataDir, 'bare-refresh-tokens.txt');
    writeFileSync(tokensFile, bareReady.refreshTokens.join('\n'));
    await measureWrk('refresh with rotation, bare oidc-provider (wrk)', bare, {
      url: bareUrl, script: 'refresh.lua', connections: 32,
      env: { WRK_TOKENS: tokensFile, WRK_AUTHORIZATION: `Basic ${Buffer.from(`bench-app:${secret}`).toString('base64')}` },
    }, 0);
  }
  await measure('userinfo', server, async () => {
    const response = await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    if (response.status !== 200) throw new Error(`userinfo ${response.status}`);
    await response.arrayBuffer();
  }, 32);
  await measureWrk('userinfo (wrk)', server, wrkRequest(`${issuer}/me`, 'GET', { authorization: `Bearer ${tokens.access_token}` }));
  await measureWrk('userinfo, bare oidc-provider (wrk)', bare, wrkRequest(`${bareUrl}/me`, 'GET', { authorization: `Bearer ${bareReady.accessToken}` }));
  const appBasic = `Basic ${Buffer.from(`bench-app:${secret}`).toString('base64')}`;
  await measure('introspection', server, async () => {
    const response = await fetch(`${issuer}/token/introspection`, { method: 'POST', headers: { authorization: appBasic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${tokens.access_token}` });
    if (response.status !== 200) throw new Error(`introspection ${response.status}`);
    await response.arrayBuffer();
  }, 32);
  await measureWrk('introspection (wrk)', server, wrkRequest(`${issuer}/token/introspection`, 'POST', { authorization: appBasic, 'content-type': 'application/x-www-form-urlencoded' }, `token=${tokens.access_token}`));
  // wrk only sees status codes: check once that both servers call these tokens active.
  // (A soak outlives these access tokens, and measured no introspection here.)
  for (const [base, token] of soakSeconds ? [] : [[issuer, tokens.access_token], [bareUrl, bareReady.accessToken]]) {
    const response = await fetch(`${base}/token/introspection`, { method: 'POST', headers: { authorization: appBasic, 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    if (!((await response.json()) as { active?: boolean }).active) throw new Error(`${base}: the benchmark's access token is not active`);
  }
  await measureWrk('introspection, bare oidc-provider (wrk)', bare, wrkRequest(`${bareUrl}/token/introspection`, 'POST', { authorization: appBasic, 'content-type': 'application/x-www-form-urlencoded' }, `token=${bareReady.accessToken}`));
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
  const poolSize = only && !only.test('CAS /p3/serviceValidate alone') ? 0 : Math.min(40_000, Math.ceil((results.at(-1)?.result.perSecond ?? 500) * (seconds + 2) * 6));
  await runLoad(async () => {
    if (pool.length >= poolSize) return 'done';
    pool.push(await issueTicket());
  }, { seconds: poolSize && Math.min(50, poolSize / Math.max(results.at(-1)?.result.perSecond ?? 500, 1) + 1), concurrency: 32 });
  // Tickets live CAS_TICKET_TTL=60 s: the pool must be used up within a minute of being filled.
  await measure('CAS /p3/serviceValidate alone', server, async () => {
    const ticket = pool.pop();
    if (!ticket) return 'done';
    await validateTicket(ticket);
  }, 32);

  const qrName = 'QR approval → desktop signed in (latency: phone approves → desktop at the app)';
  if (!only || only.test(qrName)) {
    const before = processCpuSeconds(server.pid!);
    const result = await measureQrApproval({ issuer, app, callback, signedIn: browser, seconds, concurrency: 2 });
    results.push({ name: qrName, result, cpu: processCpuSeconds(server.pid!) - before });
    process.stderr.write(`  ${qrName}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms\n`);
  }
  const waitingName = 'QR sign-in pages waiting';
  if (!only || only.test(waitingName)) {
    const count = Number(process.env.BENCH_QR_WAITING ?? 10_000);
    waiting = await measureWaitingPages({ issuer, app, pid: server.pid!, count, concurrency: 32, redisUrl: process.env.REDIS_URL });
  }
  // Two instances on the same PostgreSQL and Redis: the desktop waits on A, the phone approves on B, and the
  // approval reaches A through Redis pub/sub. (PGlite is one process: embedded runs skip this row.)
  const qrTwoName = 'QR approval across two instances (desktop on A, phone on B; CPU of both)';
  if (databaseUrl && process.env.REDIS_URL && (!only || only.test(qrTwoName))) {
    const portB = await freePort();
    const serverB = spawnPinned([join(root, 'bin/serve.mjs')], { ...env, PORT: String(portB) });
    serverB.stdout!.resume();
    try {
      await waitFor(`http://127.0.0.1:${portB}/healthz`);
      const cpuOf = () => processCpuSeconds(server.pid!) + processCpuSeconds(serverB.pid!);
      const before = cpuOf();
      const result = await measureQrApproval({ issuer, app, callback, signedIn: browser, seconds, concurrency: 2, phoneIssuer: `http://127.0.0.1:${portB}` });
      results.push({ name: qrTwoName, result, cpu: cpuOf() - before });
      process.stderr.write(`  ${qrTwoName}: p50 ${result.p50.toFixed(1)} ms, p99 ${result.p99.toFixed(1)} ms\n`);
    } finally {
      serverB.kill('SIGTERM');
    }
  }

  server.kill('SIGTERM');
  bare.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (process.env.REDIS_URL) {
    const { Redis } = await import('ioredis');
    const redis = new Redis(process.env.REDIS_URL);
    const keys = await redis.keys(`${prefix}*`);
    // In slices: wrk runs leave hundreds of thousands of keys, too many arguments for one call.
    for (let start = 0; start < keys.length; start += 10_000) await redis.del(...keys.slice(start, start + 10_000));
    redis.disconnect();
  }
  await dropDatabase?.();
  rmSync(dataDir, { recursive: true, force: true });

  const stores = `${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'} + ${process.env.REDIS_URL ? 'Redis' : 'SQL key-value store'}`;
  console.log(`\ncampus-idp benchmark — ${new Date().toISOString()} — ${cpus()[0]?.model ?? 'cpu'} ×${cpus().length}, Node ${process.version}`);
  console.log(`stores: ${stores}; ${pinned ? 'servers pinned to core 0, load generators (Node fetch; wrk rows: wrk -t1 -c32) to core 1' : 'not pinned (no taskset or one core)'}; ${seconds} s per workload after warm-up\n`);
  console.log('| workload | req/s | p50 ms | p99 ms | server CPU s | req per server CPU-s | errors |');
  console.log('|---|---:|---:|---:|---:|---:|---:|');
  for (const { name, result, cpu } of results) {
    console.log(`| ${name} | ${result.perSecond.toFixed(0)} | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${cpu.toFixed(2)} | ${(result.operations / Math.max(cpu, 0.01)).toFixed(0)} | ${result.errors} |`);
  }
  for (const suffix of ['', ' (wrk)']) {
    const ours = results.find((entry) => entry.name === `client credentials${suffix}`);
    const theirs = results.find((entry) => entry.name === `client credentials, bare oidc-provider${suffix}`);
    const perCpu = (entry: (typeof results)[number]) => entry.result.operations / Math.max(entry.cpu, 0.01);
    if (ours && theirs) console.log(`\nclient credentials${suffix} vs bare oidc-provider: ${((ours.result.perSecond / theirs.result.perSecond) * 100).toFixed(0)} % of req/s, ${((perCpu(ours) / perCpu(theirs)) * 100).toFixed(0)} % per server CPU-s`);
  }
  if (waiting) {
    const perPage = ((waiting.rssOpenMiB - waiting.rssBeforeMiB) * 1024) / waiting.open;
    console.log(`\nQR sign-in pages waiting: ${waiting.open} opened in ${waiting.openSeconds.toFixed(0)} s, each holding its event stream; server RSS ${waiting.rssBeforeMiB.toFixed(0)} MiB before, ${waiting.rssOpenMiB.toFixed(0)} MiB with all waiting (${perPage.toFixed(1)} KiB per page), ${waiting.rssAfterMiB.toFixed(0)} MiB after they closed${waiting.redisPerPageBytes === undefined ? '' : `; Redis ${waiting.redisPerPageBytes.toFixed(0)} B per page`}`);
  }
  const memoryName = 'Redis memory per signed-in person';
  if (process.env.REDIS_URL && (!only || only.test(memoryName))) {
    const memory = await measureRedisMemory(process.env.REDIS_URL, Number(process.env.BENCH_MEMORY_PEOPLE ?? 200));
    console.log(`\n${memoryName} (${memory.people} people, each one code flow: session + grant + access and refresh token): ${memory.bytesPerPerson.toFixed(0)} B by MEMORY USAGE, ${memory.usedMemoryPerPerson.toFixed(0)} B of used_memory growth`);
    console.log('| key kind | keys | bytes per person |\n|---|---:|---:|');
    for (const kind of memory.byKind) console.log(`| ${kind.kind} | ${kind.keys} | ${kind.bytesPerPerson.toFixed(0)} |`);
  }
}

await main();
