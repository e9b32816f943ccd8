// App passwords end to end: created on /account/app-passwords in Chromium (behind a fresh proof, shown once,
// never listed again), accepted by the CAS REST protocol and the verification API for mail servers, refused by
// the sign-in page with its ordinary message, and dead after revoke and after revokeAll (what a reset calls).
// The verification API wants the client's credentials and is rate limited without telling who exists.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { Browser } from '../helpers/browser.ts';
import { submitLogin } from '../helpers/oidc.ts';
import { serviceSecret, startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { createAppPasswords } from '../../src/services/app-passwords.ts';

const mail = 'https://mail.example.edu/cas-login';
const mailServerSecret = 'mail-server-secret-0123456789-abcdefghijk';
const other = { username: '20230002', password: 'Another-Long-Password-7', cardNumber: 'C10020031', email: 'other@example.edu' };
let server: TestServer;
let chromium: ChromiumBrowser;
let userId: string;
let otherId: string;
const notices: string[] = [];

beforeAll(async () => {
  server = await startTestServer(
    { LOGIN_LIMIT_PER_ACCOUNT: '3', MAIL_SERVER_SECRET: mailServerSecret },
    {
      oidc: [
        { client_id: 'mail-server', client_secret_env: 'MAIL_SERVER_SECRET', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'app-passwords:verify' },
        // Holds the scope but has no secret of its own: must never pass the API's Basic check.
        { client_id: 'public-mail', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:9/public-mail'], scope: 'openid app-passwords:verify' },
      ],
      cas: [{ id: 'webmail', service: mail, appPasswords: true }],
    },
    { securityNotifier: { notify: async (id, event) => void notices.push(`${id === userId ? 'me' : id}:${event}`) } },
  );
  userId = (await seedStudent(server.services.prisma)).id;
  otherId = (await seedStudent(server.services.prisma, other)).id;
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** `authorization` null: no Authorization header at all. */
async function verify(username: string, password: string, authorization: string | null = basic('mail-server', mailServerSecret)) {
  const response = await fetch(`${server.url}/api/v1/app-passwords/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: JSON.stringify({ username, password }),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

const casRest = (path: string, form: Record<string, string>) =>
  fetch(`${server.url}/cas/v1/tickets${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form), redirect: 'manual' });

async function grantingTicket(username: string, password: string): Promise<string | undefined> {
  const response = await casRest('', { username, password });
  await response.arrayBuffer();
  return response.status === 201 ? response.headers.get('location')!.split('/').pop() : undefined;
}

/** The sign-in page of a fresh browser, given the login ID and `password`: the page it ends on. */
async function signInPage(password: string) {
  const browser = new Browser();
  const page = await browser.visit(`${server.url}/account`);
  expect(page.url).toContain('/interaction/');
  return submitLogin(browser, page, student.username, password, `${server.url}/account`);
}

async function confirmWithPassword(page: Page) {
  await page.waitForSelector('#password');
  expect(await page.locator('h1').innerText()).toBe('Confirm it is you');
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
}

describe('app passwords', () => {
  it('are created on the account page, work only where meant, and die on revoke', async () => {
    const context = await chromium.newContext({ locale: 'en-US' });
    const page = await context.newPage();
    await page.goto(`${server.url}/account`);
    await page.fill('#login_id', student.username);
    await page.fill('#password', student.password);
    await page.press('#password', 'Enter');
    await page.waitForURL(`${server.url}/account`);
    await page.getByRole('link', { name: 'App passwords' }).click();
    await page.waitForURL(`${server.url}/account/app-passwords`);
    expect(await page.locator('#no-app-passwords').innerText()).toContain('no app passwords');

    // An empty name is refused in words, nothing is created.
    await page.fill('#app-password-name', '   ');
    await page.getByRole('button', { name: 'Create app password' }).click();
    expect(await page.locator('#app-password-name-error').innerText()).toBe('Enter a name.');
    expect(await server.services.prisma.appPassword.count()).toBe(0);

    // A name: first "confirm it is you", then the password, shown once.
    await page.fill('#app-password-name', 'Thunderbird on my laptop');
    await page.getByRole('button', { name: 'Create app password' }).click();
    await confirmWithPassword(page);
    await page.waitForSelector('#new-app-password');
    const shown = await page.locator('#new-app-password').innerText();
    expect(shown).toMatch(/^[a-z]{4} [a-z]{4} [a-z]{4} [a-z]{4}$/);
    expect(await page.locator('main').innerText()).toContain('will not be shown again');
    expect(notices).toContain('me:app_password_created');
    const compact = shown.replace(/ /g, '');

    await page.getByRole('link', { name: 'Done' }).click();
    await page.waitForURL(`${server.url}/account/app-passwords`);
    const listed = await page.locator('#app-passwords').innerText();
    expect(listed).toContain('Thunderbird on my laptop');
    expect(listed).toContain('never used');
    const html = await page.content();
    expect(html).not.toContain(shown);
    expect(html).not.toContain(compact);

    // CAS REST takes it (as well as the real password), and its ticket gives service tickets.
    const tgt = await grantingTicket(student.username, shown);
    expect(tgt).toMatch(/^TGT-/);
    const st = await casRest(`/${tgt}`, { service: mail });
    expect(st.status).toBe(200);
    expect(await st.text()).toMatch(/^ST-/);
    expect(await grantingTicket(student.username, student.password)).toMatch(/^TGT-/);

    // The verification API: valid with or without the spaces; the real password is not an app password there.
    expect(await verify(student.username, compact)).toMatchObject({ status: 200, body: { valid: true, username: student.username } });
    expect((await verify(student.username, shown)).body).toEqual({ valid: true, username: student.username });
    expect((await verify(student.username, student.password)).body).toEqual({ valid: false });

    // The sign-in page refuses it exactly like a wrong password.
    const refused = await signInPage(shown);
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('Login ID or password is incorrect.');
    expect(refused.url).toContain('/interaction/');

    // The list now says when and from where it was last used.
    await page.reload();
    expect(await page.locator('#app-passwords').innerText()).toMatch(/last used .+ from 127\.0\.0\.1/);

    // Revoking (the proof from a moment ago still counts) ends it everywhere, also the ticket it minted.
    await page.locator('#app-passwords li').filter({ hasText: 'Thunderbird' }).getByRole('button', { name: 'Revoke' }).click();
    await page.waitForURL(/done=revoked/);
    expect(await page.getByRole('status').innerText()).toBe('The app password was revoked.');
    expect(await page.locator('#no-app-passwords').count()).toBe(1);
    expect(notices).toContain('me:app_password_revoked');
    expect(await grantingTicket(student.username, shown)).toBeUndefined();
    expect((await verify(student.username, compact)).body).toEqual({ valid: false });
    expect((await casRest(`/${tgt}`, { service: mail })).status).toBe(404);

    const events = await server.services.prisma.authEvent.findMany({ where: { userId, type: { startsWith: 'app_password.' } }, orderBy: { createdAt: 'asc' } });
    expect(events.map((event) => event.type)).toEqual(['app_password.created', 'app_password.used', 'app_password.used', 'app_password.used', 'app_password.revoked']);
    expect(JSON.stringify(events)).not.toContain(compact);
    await context.close();
  });

  it('all stop working when revokeAll runs (as a password reset does)', async () => {
    const service = createAppPasswords(server.services.prisma);
    const phone = await service.create(otherId, 'Phone mail');
    const laptop = await service.create(otherId, 'Laptop mail');
    expect((await verify(other.username, phone.password)).body.valid).toBe(true);
    expect(await grantingTicket(other.username, laptop.password)).toMatch(/^TGT-/);

    expect(await service.revokeAll(otherId)).toBe(2);
    expect((await verify(other.username, phone.password)).body.valid).toBe(false);
    expect(await grantingTicket(other.username, laptop.password)).toBeUndefined();
    expect(await service.list(otherId)).toEqual([]);
  });
});

describe('the verification API', () => {
  it('refuses callers without the client credentials and scope', async () => {
    const missing = await verify(student.username, 'abcd efgh ijkl mnop', null);
    expect(missing.status).toBe(401);
    expect(missing.body.error).toBe('invalid_client');
    expect(missing.headers.get('www-authenticate')).toContain('Basic');
    expect((await verify(student.username, 'abcd efgh ijkl mnop', basic('mail-server', 'wrong-secret'))).status).toBe(401);
    // A real client with the right secret, but not one allowed to check app passwords.
    expect((await verify(student.username, 'abcd efgh ijkl mnop', basic('service', serviceSecret))).status).toBe(401);
  });

  it('refuses a client that holds the scope but has no secret, whatever it sends (security review)', async () => {
    for (const secret of ['no client secret', 'undefined', 'x']) {
      const refused = await verify(student.username, 'abcd efgh ijkl mnop', basic('public-mail', secret));
      expect(refused.status).toBe(401);
      expect(refused.body.error).toBe('invalid_client');
    }
  });

  it('is rate limited per login ID, alike for unknown ones, without locking the person out elsewhere', async () => {
    const third = { username: '20230003', password: 'Third-Long-Password-5', cardNumber: 'C10020032', email: 'third@example.edu' };
    const thirdId = (await seedStudent(server.services.prisma, third)).id;
    const { password } = await createAppPasswords(server.services.prisma).create(thirdId, 'Mail');
    for (const username of [third.username, 'nobody-here']) {
      for (let attempt = 0; attempt < 3; attempt++) expect((await verify(username, 'aaaa bbbb cccc dddd')).body).toEqual({ valid: false });
      const limited = await verify(username, password);
      expect(limited.status).toBe(429);
      expect(limited.body.error).toBe('rate_limited');
    }
    // The sign-in limiter's own counters are untouched: the password still opens CAS REST.
    expect(await grantingTicket(third.username, third.password)).toMatch(/^TGT-/);
  });
});
