// kill -9 of the only instance loses nothing that matters (issue #7): the IdP runs as its own process on PostgreSQL
// and Redis; after SIGKILL mid-life and a new start, the SSO session, the refresh and access tokens, an issued
// but unvalidated CAS ticket and the failed-sign-in counter are all still there, and the ticket still works once.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { ticketFrom, validateTicket } from '../helpers/cas.ts';
import { openTestDatabase, serverRedisUrl, type TestDatabase } from '../helpers/stores.ts';
import { redirectUri, testClients, webAppSecret } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const root = new URL('../..', import.meta.url).pathname;
const mail = 'https://mail.example.edu/cas-login';

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

// A separate process on a real PostgreSQL: CI's PostgreSQL + Redis pass (PGlite's file belongs to one process, and
// the embedded default is not the configuration that promises this).
describe.skipIf(!(process.env.DATABASE_URL && serverRedisUrl))('kill -9', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let issuer: string;
  let idp: ChildProcess | undefined;

  const start = async () => {
    const child = spawn(process.execPath, [join(root, 'bin/serve.mjs')], { env: { PATH: process.env.PATH, ...env }, stdio: 'ignore' });
    const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`the IdP exited (${code}) before it was ready`))));
    const ready = (async () => {
      for (;;) {
        if (await fetch(`${issuer}/readyz`).then((response) => response.ok, () => false)) return;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    await Promise.race([ready, exited]);
    idp = child;
  };

  beforeAll(async () => {
    database = await openTestDatabase();
    await seedStudent(database.database.prisma);
    await database.database.close();
    dataDir = mkdtempSync(join(tmpdir(), 'campus-idp-kill-'));
    const clientsFile = join(dataDir, 'clients.json');
    writeFileSync(clientsFile, JSON.stringify({ oidc: testClients.oidc, cas: [{ id: 'webmail', service: mail }] }));
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    env = {
      PORT: String(port), HOST: '127.0.0.1', ISSUER: issuer, DATA_DIR: dataDir, CLIENTS_FILE: clientsFile, LOG_LEVEL: 'silent',
      DATABASE_URL: database.url!, REDIS_URL: serverRedisUrl!, REDIS_KEY_PREFIX: `campus-idp-kill:${randomBytes(4).toString('hex')}:`,
      WEB_APP_SECRET: webAppSecret, SERVICE_SECRET: randomBytes(24).toString('hex'), THIRD_PARTY_SECRET: randomBytes(24).toString('hex'),
      CAS_TICKET_TTL: '120', LOGIN_LIMIT_PER_ACCOUNT: '3',
    };
    await start();
  }, 60_000);

  afterAll(async () => {
    idp?.kill('SIGKILL');
    await database?.cleanup();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps the session, the tokens, an unvalidated CAS ticket and the failure counter', async () => {
    const browser = new Browser();
    const app = await relyingParty(issuer, 'web-app', redirectUri, webAppSecret);
    const started = await app.authorize(browser);
    const tokens = await app.callback((await submitLogin(browser, started.page, student.username, student.password, redirectUri)).url, started);
    const casLogin = await browser.visit(`${issuer}/cas/login?service=${encodeURIComponent(mail)}`, {}, mail);
    const ticket = ticketFrom(casLogin.url);
    const other = new Browser();
    for (let attempt = 0; attempt < 2; attempt++) {
      const failing = await app.authorize(other);
      expect((await submitLogin(other, failing.page, student.username, 'Wrong-Password-1', redirectUri)).status).toBe(401);
    }

    const killed = new Promise((resolve) => idp!.once('exit', resolve));
    idp!.kill('SIGKILL');
    await killed;
    await start();

    // The browser is still signed in (no password asked), and its tokens still work.
    const sso = await app.authorize(browser);
    expect(sso.page.url.startsWith(redirectUri)).toBe(true);
    expect((await fetch(`${issuer}/me`, { headers: { authorization: `Bearer ${tokens.access_token}` } })).status).toBe(200);
    expect((await client.refreshTokenGrant(app.config, tokens.refresh_token!)).access_token).toBeTruthy();
    // The ticket issued before the kill validates, once.
    expect((await validateTicket(issuer, '/cas/p3/serviceValidate', { service: mail, ticket })).body).toContain(`<cas:user>${student.username}</cas:user>`);
    expect((await validateTicket(issuer, '/cas/p3/serviceValidate', { service: mail, ticket })).body).toContain('INVALID_TICKET');
    // Two failures before the kill and one after reach the limit of three: now even the right password is refused.
    const third = await app.authorize(other);
    expect((await submitLogin(other, third.page, student.username, 'Wrong-Password-1', redirectUri)).status).toBe(401);
    const limited = await app.authorize(other);
    const refused = await submitLogin(other, limited.page, student.username, student.password, redirectUri);
    expect(refused.status).toBe(401);
    expect(refused.url.startsWith(redirectUri)).toBe(false);
  }, 60_000);
});
