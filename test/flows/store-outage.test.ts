// Redis going away (simulated by cutting a TCP proxy in front of it): the instance reports not-ready, answers
// sign-in and CAS validation with a 503 / INTERNAL_ERROR fast instead of skipping a limit or a single-use check,
// and recovers by itself when Redis is back. PostgreSQL + Redis pass only: the embedded default has no Redis.
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { serverRedisUrl } from '../helpers/stores.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

/** A TCP proxy to Redis that can be cut (every connection dropped, new ones refused) and restored on the same port. */
async function redisProxy(target: URL) {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  let up = false;
  const open = async () => {
    if (up) return;
    server = createServer((client) => {
      const upstream = connect(Number(target.port || 6379), target.hostname);
      for (const socket of [client, upstream]) {
        sockets.add(socket);
        socket.on('close', () => sockets.delete(socket));
        socket.on('error', () => undefined);
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((resolve) => server!.listen(port, '127.0.0.1', resolve));
    port = (server!.address() as AddressInfo).port;
    up = true;
  };
  await open();
  return {
    url: () => `redis://127.0.0.1:${port}`,
    async cut() {
      up = false;
      await new Promise<void>((resolve) => {
        server!.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
    },
    restore: open,
  };
}

// Needs a Redis to cut off (CI sets REDIS_URL for the PostgreSQL + Redis pass); the embedded default has none.
describe.skipIf(!serverRedisUrl)('when Redis goes away', () => {
  let server: TestServer;
  let proxy: Awaited<ReturnType<typeof redisProxy>>;

  beforeAll(async () => {
    proxy = await redisProxy(new URL(serverRedisUrl!));
    server = await startTestServer({ REDIS_URL: proxy.url() });
    await seedStudent(server.services.prisma);
  });
  afterAll(async () => {
    await proxy?.restore();
    await server?.destroy();
    await proxy?.cut();
  });

  it('fails closed and fast, reports not-ready, and recovers by itself', async () => {
    const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const browser = new Browser();
    const started = await app.authorize(browser);
    expect(started.page.html).toContain('name="password"');

    await proxy.cut();
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ store: 'unavailable' });

    const t0 = performance.now();
    const refused = await browser.submit(started.page, /\/login$/, { login_id: student.username, password: student.password }, redirectUri);
    expect(performance.now() - t0).toBeLessThan(6_000);
    expect(refused.status).toBe(503);
    expect(refused.html).toContain('The service is busy or under maintenance');
    expect(refused.html).not.toMatch(/at .*\.ts:\d+/);

    const validation = await fetch(`${server.url}/cas/serviceValidate?service=${encodeURIComponent('https://app.example.edu/')}&ticket=ST-anything`);
    expect(await validation.text()).toMatch(/code="INTERNAL_ERROR"|code="INVALID_SERVICE"/);

    await proxy.restore();
    let readyAgain = 503;
    for (let wait = 0; wait < 60 && readyAgain !== 200; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      readyAgain = (await fetch(`${server.url}/readyz`)).status;
    }
    expect(readyAgain).toBe(200);
    const again = await app.authorize(new Browser());
    const fresh = new Browser();
    const restarted = await app.authorize(fresh);
    const done = await submitLogin(fresh, restarted.page, student.username, student.password, redirectUri);
    expect(done.url.startsWith(redirectUri)).toBe(true);
    expect(again.page.status).toBe(200);
  });
});
