// Forgot password over real HTTP: an imported student sets a first password with a code from the Tencent SMS
// simulator and signs in; unknown IDs get the same pages; a second factor is needed where one is bound; a reset
// ends refresh tokens and trusted browsers and notifies; the captcha is required and single use; attempts are limited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { solveChallenge } from 'altcha-lib';
import { Secret, TOTP } from 'otpauth';
import { Browser, type Page } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { tencentServerSettings, tencentTestSecrets, tencentSimulator, type SmsSimulator } from '../simulators/sms-simulators.ts';
import { importUsersFromCsv } from '../../src/services/user-import.ts';
import type { MemoryEmail } from '../../src/connectors/email/memory.ts';
import { createAppPasswords } from '../../src/services/app-passwords.ts';
import { waitFor } from '../helpers/wait.ts';

const newPassword = 'Quiet-Lantern-Orbit-42';
let gateway: SmsSimulator;
let server: TestServer;
let webApp: RelyingParty;
const notices: string[] = [];
let phoneCounter = 1000;

beforeAll(async () => {
  gateway = await tencentSimulator(tencentTestSecrets);
  server = await startTestServer({
    ...tencentServerSettings(gateway),
    RESET_LIMIT_PER_ID: '3',
    RESET_CODE_ATTEMPTS_PER_ID: '4',
    CAPTCHA_MAX_NUMBER: '1000',
  }, {}, { securityNotifier: { notify: async (id, event) => void notices.push(`${id}:${event}`) } });
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
});
afterAll(async () => {
  await server?.destroy();
  await gateway?.close();
});

const nextPhone = () => `+86138000${String(phoneCounter++).padStart(5, '0')}`;
const masked = (phone: string) => `138****${phone.slice(-4)}`;

/** Solves the server's ALTCHA challenge the way the widget does, and returns the payload it would submit. */
async function solveCaptcha(): Promise<string> {
  const challenge = (await (await fetch(`${server.url}/forgot-password/challenge`)).json()) as { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
  const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
  const payload = { algorithm: challenge.algorithm, challenge: challenge.challenge, number: solution!.number, salt: challenge.salt, signature: challenge.signature };
  return Buffer.from(JSON.stringify(payload)).toString('base64');
}

async function startReset(browser: Browser, loginId: string, altcha?: string): Promise<Page> {
  const page = await browser.visit(`${server.url}/forgot-password`);
  return browser.submit(page, /\/forgot-password$/, { login_id: loginId, ...(altcha === undefined ? { altcha: await solveCaptcha() } : altcha ? { altcha } : {}) });
}

const smsCodeTo = (phone: string) => waitFor(() => [...gateway.outbox].reverse().find((message) => message.phone === phone)?.params[0]);
const emails = () => (server.services.email as MemoryEmail).messages();
const emailCodeTo = (address: string, after = 0) =>
  waitFor(() => emails().slice(after).reverse().find((message) => message.to === address)?.text.match(/\b(\d{6})\b/)?.[1]);

async function personWithPhone(username: string, options: { verified?: boolean } = {}) {
  const phone = nextPhone();
  const user = await seedStudent(server.services.prisma, { username, cardNumber: `C-${username}`, email: `${username}@example.edu` });
  await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: phone, verifiedAt: options.verified === false ? null : new Date() } });
  return { user, phone, email: `${username}@example.edu` };
}

async function signInWith(username: string, password: string) {
  const browser = new Browser();
  const started = await webApp.authorize(browser);
  const done = await submitLogin(browser, started.page, username, password, redirectUri);
  if (!done.url.startsWith(redirectUri)) return undefined;
  return webApp.callback(done.url, started);
}

describe('forgot password', () => {
  it('lets an imported student without a password set a first one with the texted code, then sign in', async () => {
    const phone = nextPhone();
    const report = await importUsersFromCsv(server.services.prisma, `username,name,type,email,phone\n20250042,王小明,student,xiaoming@example.edu,${phone}\n`);
    expect(report.created).toBe(1);
    expect(await signInWith('20250042', newPassword)).toBeUndefined();

    const browser = new Browser();
    const channel = await startReset(browser, '20250042');
    expect(channel.status).toBe(200);
    expect(channel.html).toContain('Where should we send a code?');
    expect(channel.html).not.toContain(phone.slice(-4));

    const codePage = await browser.submit(channel, /\/channel$/, { channel: 'sms' });
    expect(codePage.html).toContain('If 20250042 has a bound phone, a 6-digit code is on its way');
    const code = await smsCodeTo(phone);

    const wrong = await browser.submit(codePage, /\/code$/, { code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('The code is not right');

    const passwordPage = await browser.submit(wrong, /\/code$/, { code });
    expect(passwordPage.html).toContain('Choose a new password');
    expect(passwordPage.html).toContain(`it was sent to ${masked(phone)}`);
    expect(passwordPage.html).toContain('id="password-meter"');
    expect(passwordPage.html).not.toContain('keep_sessions');

    const weak = await browser.submit(passwordPage, /\/password$/, { new_password: '20250042abc', confirm_password: '20250042abc' });
    expect(weak.status).toBe(400);
    expect(weak.html).toContain('aria-invalid="true"');
    const mismatch = await browser.submit(weak, /\/password$/, { new_password: newPassword, confirm_password: `${newPassword}x` });
    expect(mismatch.status).toBe(400);

    const done = await browser.submit(mismatch, /\/password$/, { new_password: newPassword, confirm_password: newPassword });
    expect(done.status).toBe(200);
    expect(done.html).toContain('Your password is set');

    const user = await server.services.prisma.user.findUniqueOrThrow({ where: { username: '20250042' }, include: { contacts: true } });
    expect(user.status).toBe('active');
    expect(user.contacts.find((contact) => contact.role === 'security_phone')?.verifiedAt).toBeTruthy();
    expect(notices).toContain(`${user.id}:password_changed`);

    const tokens = await signInWith('20250042', newPassword);
    expect(tokens?.claims()?.sub).toBe(user.id);

    // The finished reset is gone: its forms lead back to the start.
    const again = await browser.submit(passwordPage, /\/password$/, { new_password: newPassword, confirm_password: newPassword });
    expect(again.html).toContain('took longer than 15 minutes');
  });

  it('answers an unknown ID with the same pages, byte for byte, at every step', async () => {
    await personWithPhone('20250101');
    const normalise = (page: Page, loginId: string) =>
      `${page.status} ${page.html.replaceAll(loginId, 'LOGIN-ID').replace(/name="_csrf" value="[^"]*"/g, 'CSRF').replace(/nonce="[^"]*"/g, 'NONCE')}`;
    const walk = async (loginId: string) => {
      const browser = new Browser();
      const channel = await startReset(browser, loginId);
      const code = await browser.submit(channel, /\/channel$/, { channel: 'sms' });
      const wrong = await browser.submit(code, /\/code$/, { code: '123456' });
      const again = await browser.submit(wrong, /\/channel$/, { channel: 'email' });
      return [channel, code, wrong, again].map((page) => normalise(page, loginId));
    };
    const known = await walk('20250101');
    const unknown = await walk('20259999');
    expect(unknown).toEqual(known);
    expect(known[0]).toContain('Where should we send a code?');
  });

  it('does not let one texted code take over an account with an authenticator app', async () => {
    const { user, phone } = await personWithPhone('20250202');
    const { secret } = await server.services.totp.startEnrollment('20250202');
    const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
    expect(await server.services.totp.confirmEnrollment(user.id, secret, totp.generate({ timestamp: Date.now() - 30_000 }), 'Phone')).toBe(true);

    const browser = new Browser();
    const channel = await startReset(browser, '20250202');
    const codePage = await browser.submit(channel, /\/channel$/, { channel: 'sms' });
    const second = await browser.submit(codePage, /\/code$/, { code: await smsCodeTo(phone) });
    expect(second.html).toContain('One more proof');
    expect(second.html).not.toContain('new_password');

    // Skipping the second proof leads back to it, and the password stays as it was.
    const skipped = await browser.visit(`${server.url}/forgot-password/password`, { form: { _csrf: /name="_csrf" value="([^"]*)"/.exec(second.html)![1]!, new_password: newPassword, confirm_password: newPassword } });
    expect(skipped.html).toContain('One more proof');
    expect((await server.services.accounts.authenticate('20250202', student.password)).ok).toBe(true);

    const wrong = await browser.submit(second, /\/second$/, { method: 'totp', code: '000000' });
    expect(wrong.status).toBe(401);
    const passwordPage = await browser.submit(wrong, /\/second$/, { method: 'totp', code: totp.generate() });
    expect(passwordPage.html).toContain('Choose a new password');
    const done = await browser.submit(passwordPage, /\/password$/, { new_password: newPassword, confirm_password: newPassword });
    expect(done.html).toContain('Your password is set');
    expect((await server.services.accounts.authenticate('20250202', newPassword)).ok).toBe(true);
  });

  it('ends refresh tokens issued before, trusted browsers and app passwords, and tells the person', async () => {
    const { user, email, phone } = await personWithPhone('20250303');
    const before = await signInWith('20250303', student.password);
    expect(before?.refresh_token).toBeTruthy();
    const trusted = await server.services.deviceTrust.trust(user.id, 'Laptop');
    expect(await server.services.deviceTrust.isTrusted(user.id, trusted.cookie)).toBe(true);
    const appPasswords = createAppPasswords(server.services.prisma);
    await appPasswords.create(user.id, 'Mail on my phone');

    const browser = new Browser();
    const channel = await startReset(browser, '20250303');
    const sent = emails().length;
    const codePage = await browser.submit(channel, /\/channel$/, { channel: 'email' });
    expect(codePage.html).toContain('If 20250303 has a bound e-mail address');
    const second = await browser.submit(codePage, /\/code$/, { code: await emailCodeTo(email, sent) });
    // The verified phone is a second factor (texted codes): the e-mailed code alone is not enough.
    expect(second.html).toContain('One more proof');
    const smsSent = await browser.submit(second, /\/second\/send$/, { channel: 'sms' });
    const passwordPage = await browser.submit(smsSent, /\/second$/, { method: 'sms', code: await smsCodeTo(phone) });
    const done = await browser.submit(passwordPage, /\/password$/, { new_password: newPassword, confirm_password: newPassword });
    expect(done.html).toContain('signed out everywhere else');

    await expect(client.refreshTokenGrant(webApp.config, before!.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    expect(await server.services.deviceTrust.isTrusted(user.id, trusted.cookie)).toBe(false);
    expect(await appPasswords.list(user.id)).toEqual([]);
    expect(notices).toContain(`${user.id}:password_changed`);
  });

  it('refuses a missing, wrong or replayed captcha and keeps the typed ID', async () => {
    const browser = new Browser();
    const missing = await startReset(browser, '20250404', '');
    expect(missing.status).toBe(400);
    expect(missing.html).toContain('Tick “I am not a robot”');
    expect(missing.html).toContain('value="20250404"');

    const good = await solveCaptcha();
    const decoded = JSON.parse(Buffer.from(good, 'base64').toString()) as { number: number };
    const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(good, 'base64').toString()), number: decoded.number + 1 })).toString('base64');
    expect((await startReset(browser, '20250404', forged)).status).toBe(400);

    expect((await startReset(browser, '20250404', good)).html).toContain('Where should we send a code?');
    const replayed = await startReset(new Browser(), '20250404', good);
    expect(replayed.status).toBe(400);
    expect(replayed.html).toContain('Tick “I am not a robot”');
  });

  it('limits code attempts per login ID, across resets, answering like a wrong code', async () => {
    const { email } = await personWithPhone('20250505');
    // RESET_CODE_ATTEMPTS_PER_ID=4: four wrong codes in one reset, then the right code of a new reset is the fifth.
    const first = new Browser();
    let page = await first.submit(await startReset(first, '20250505'), /\/channel$/, { channel: 'email' });
    for (let attempt = 0; attempt < 3; attempt++) page = await first.submit(page, /\/code$/, { code: '000001' });
    await first.submit(page, /\/code$/, { code: '000002' });

    const second = new Browser();
    const sent = emails().length;
    const codePage = await second.submit(await startReset(second, '20250505'), /\/channel$/, { channel: 'email' });
    const refused = await second.submit(codePage, /\/code$/, { code: await emailCodeTo(email, sent) });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('The code is not right');
  });

  it('limits resets started per login ID without saying so: nothing is sent any more', async () => {
    const { email } = await personWithPhone('20250606');
    // RESET_LIMIT_PER_ID=3: the fourth start looks the same, but leads nowhere.
    for (let start = 0; start < 3; start++) await startReset(new Browser(), '20250606');
    const browser = new Browser();
    const sent = emails().length;
    const codePage = await browser.submit(await startReset(browser, '20250606'), /\/channel$/, { channel: 'email' });
    expect(codePage.status).toBe(200);
    expect(codePage.html).toContain('If 20250606 has a bound e-mail address');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(emails().slice(sent).filter((message) => message.to === email)).toHaveLength(0);
  });
});

describe('when policy lets people keep their other sessions (RESET_KEEP_SESSIONS_ALLOWED)', () => {
  let keeping: TestServer;
  beforeAll(async () => {
    keeping = await startTestServer({ RESET_KEEP_SESSIONS_ALLOWED: 'true', CAPTCHA_MAX_NUMBER: '1000' });
  });
  afterAll(async () => keeping?.destroy());

  it('offers the choice, and keeping leaves refresh tokens working while trusted browsers still end', async () => {
    const user = await seedStudent(keeping.services.prisma, { username: '20250707', cardNumber: 'C-20250707', email: 'keep@example.edu' });
    const app = await relyingParty(keeping.url, 'web-app', redirectUri, webAppSecret);
    const signInBrowser = new Browser();
    const started = await app.authorize(signInBrowser);
    const tokens = await app.callback((await submitLogin(signInBrowser, started.page, '20250707', student.password, redirectUri)).url, started);
    const trusted = await keeping.services.deviceTrust.trust(user.id, 'Laptop');

    const browser = new Browser();
    const first = await browser.visit(`${keeping.url}/forgot-password`);
    const challenge = (await (await fetch(`${keeping.url}/forgot-password/challenge`)).json()) as { algorithm: string; challenge: string; maxnumber: number; salt: string; signature: string };
    const solution = await solveChallenge(challenge.challenge, challenge.salt, challenge.algorithm, challenge.maxnumber).promise;
    const altcha = Buffer.from(JSON.stringify({ ...challenge, number: solution!.number })).toString('base64');
    const channel = await browser.submit(first, /\/forgot-password$/, { login_id: '20250707', altcha });
    const outbox = keeping.services.email as MemoryEmail;
    const codePage = await browser.submit(channel, /\/channel$/, { channel: 'email' });
    const code = await waitFor(() => outbox.messages().find((message) => message.to === 'keep@example.edu')?.text.match(/\b(\d{6})\b/)?.[1]);
    const passwordPage = await browser.submit(codePage, /\/code$/, { code });
    expect(passwordPage.html).toContain('name="keep_sessions"');
    const done = await browser.submit(passwordPage, /\/password$/, { new_password: newPassword, confirm_password: newPassword, keep_sessions: '1' });
    expect(done.html).toContain('Your other sessions stay signed in');

    expect((await client.refreshTokenGrant(app.config, tokens.refresh_token!)).access_token).toBeTruthy();
    expect(await keeping.services.deviceTrust.isTrusted(user.id, trusted.cookie)).toBe(false);
  });
});
