// PostgreSQL ends the IdP's connections (a restart, a failover, an administrator): the process keeps running, says
// so in the log, and the next requests work on new connections.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

// Needs a PostgreSQL server to end connections on (CI's PostgreSQL + Redis pass); PGlite has no connections.
describe.skipIf(!process.env.DATABASE_URL)('when PostgreSQL ends the connections', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer();
    await seedStudent(server.services.prisma);
  });
  afterAll(async () => server?.destroy());

  const signIn = async () => {
    const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
    const browser = new Browser();
    const started = await app.authorize(browser);
    return (await submitLogin(browser, started.page, student.username, student.password, redirectUri)).url;
  };

  it('keeps serving on new connections', async () => {
    expect(await signIn()).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
    const { default: pg } = await import('pg');
    const admin = new pg.Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      const database = new URL(server.env.DATABASE_URL!).pathname.slice(1);
      const { rowCount } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()', [database]);
      expect(rowCount).toBeGreaterThan(0);
    } finally {
      await admin.end();
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect(await signIn()).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  });
});
