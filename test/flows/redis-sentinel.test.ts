// Redis through Sentinel: a real redis-server in sentinel mode monitors the test Redis; the IdP is given only the
// sentinel's address (REDIS_URL's host is unreachable), asks it for the master, and signs people in there.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Redis } from 'ioredis';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { serverRedisUrl } from '../helpers/stores.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { loadConfig } from '../../src/config/env.ts';

const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0;

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

describe('REDIS_SENTINELS settings', () => {
  it('names bad entries and a missing REDIS_URL', () => {
    expect(() => loadConfig({ REDIS_SENTINELS: '127.0.0.1:26379' })).toThrow(/REDIS_SENTINELS needs REDIS_URL too/);
    expect(() => loadConfig({ REDIS_URL: 'redis://x/0', REDIS_SENTINELS: 'sentinel-a:26379, sentinel-b' })).toThrow(/host:port separated by commas \(got "sentinel-b"\)/);
    const config = loadConfig({ REDIS_URL: 'redis://:pw@campus-idp/2', REDIS_SENTINELS: 'sentinel-a:26379,[::1]:26380', REDIS_SENTINEL_NAME: 'idp' });
    expect(config.redisSentinel).toEqual({ sentinels: [{ host: 'sentinel-a', port: 26379 }, { host: '::1', port: 26380 }], name: 'idp', password: undefined });
  });
});

// Needs the test Redis (CI's PostgreSQL + Redis pass sets REDIS_URL) and the redis-server binary for the sentinel.
describe.skipIf(!serverRedisUrl || !hasRedisServer)('through a real sentinel', () => {
  let sentinel: ChildProcess;
  let sentinelDir: string;
  let server: TestServer;

  beforeAll(async () => {
    const redisUrl = new URL(serverRedisUrl!);
    sentinelDir = mkdtempSync(join(tmpdir(), 'campus-idp-sentinel-'));
    const port = await freePort();
    // Sentinel rewrites its configuration file, so it gets one of its own.
    writeFileSync(join(sentinelDir, 'sentinel.conf'), `port ${port}\nbind 127.0.0.1\ndir ${sentinelDir}\nsentinel monitor campus-test ${redisUrl.hostname} ${redisUrl.port || 6379} 1\n`);
    sentinel = spawn('redis-server', [join(sentinelDir, 'sentinel.conf'), '--sentinel'], { stdio: 'ignore' });
    const probe = new Redis({ port, host: '127.0.0.1', lazyConnect: true, retryStrategy: () => 100 });
    probe.on('error', () => {});
    await probe.connect().catch(() => undefined);
    for (let attempt = 0; attempt < 50; attempt++) {
      const master = await probe.call('SENTINEL', 'get-master-addr-by-name', 'campus-test').catch(() => null);
      if (Array.isArray(master)) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    probe.disconnect();
    server = await startTestServer({
      REDIS_URL: `redis://unreachable.invalid:6379${redisUrl.pathname}`,
      REDIS_SENTINELS: `127.0.0.1:${port}`,
      REDIS_SENTINEL_NAME: 'campus-test',
    });
    await seedStudent(server.services.prisma);
  });

  afterAll(async () => {
    await server?.destroy();
    sentinel?.kill();
    rmSync(sentinelDir, { recursive: true, force: true });
  });

  it('signs in, keeps the session in the master the sentinel names, and refreshes', async () => {
    const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const browser = new Browser();
    const started = await app.authorize(browser);
    const done = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
    const tokens = await app.callback(done.url, started);
    expect((await client.refreshTokenGrant(app.config, tokens.refresh_token!)).access_token).toBeTruthy();

    const direct = new Redis(serverRedisUrl!);
    try {
      const sessions = await direct.keys(`${server.redisPrefix}oidc:Session:*`);
      expect(sessions.length).toBeGreaterThan(0);
    } finally {
      direct.disconnect();
    }
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
  });
});
