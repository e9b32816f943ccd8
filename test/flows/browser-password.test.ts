// The password policy where people meet it, in Chromium: a sign-in with a password that breaks today's rules
// must choose a new one (meter and rules live as they type, the exact failed rule on refusal) before it reaches
// the app, and the mfa prompt still follows; PASSWORD_WEAK_EXISTING=disable and =allow; /account/password.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import * as client from 'openid-client';
import { collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const mailCallback = 'http://127.0.0.1:9/mail';
/** Eleven characters and a common word: too short for the default policy (15) and on the blocklist. */
const weakPassword = 'Summer2023!';
const newPassphrase = 'lantern orbit violet teacup';

let server: TestServer;
let chromium: ChromiumBrowser;
let webApp: RelyingParty;
let mailApp: RelyingParty;
const notices: string[] = [];

beforeAll(async () => {
  server = await startTestServer(
    {},
    { oidc: [{ client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [mailCallback], first_party: true, mfa: 'required' }] },
    { securityNotifier: { notify: async (id, event) => void notices.push(`${id}:${event}`) } },
  );
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  mailApp = await relyingParty(server.url, 'mail-app', mailCallback, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

async function authorizeUrl(rp: RelyingParty) {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(rp.config, {
    redirect_uri: rp.redirectUri, scope: 'openid profile', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  return { url: url.toString(), verifier, state, nonce };
}

/** A page whose CSP violations are collected and whose redirect to the (absent) app is answered. */
async function appPage(locale = 'en-US') {
  const context = await chromium.newContext({ locale });
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  await page.route(`${redirectUri}**`, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' }));
  return { context, page, violations };
}

async function signIn(page: Page, username: string, password: string) {
  await page.fill('#login_id', username);
  await page.fill('#password', password);
  await page.press('#password', 'Enter');
}

const lengthRuleMet = (page: Page) => page.locator('li[data-rule="length"]').evaluate((item) => item.classList.contains('met'));
const meterValue = (page: Page) => page.locator('#password-meter').evaluate((meter) => (meter as unknown as { value: number }).value);

describe('a weak existing password (PASSWORD_WEAK_EXISTING=change, the default)', () => {
  it('must be replaced before the sign-in reaches the app; the meter and the rules follow the typing', async () => {
    const user = await seedStudent(server.services.prisma, { username: 'weak-1', cardNumber: 'W1', email: 'weak1@example.edu', password: weakPassword });
    const { context, page, violations } = await appPage();
    const request = await authorizeUrl(webApp);
    await page.goto(request.url);
    await signIn(page, 'weak-1', weakPassword);

    await page.waitForSelector('#new_password');
    expect(await page.locator('h1').innerText()).toBe('Choose a new password');
    const reasons = await page.locator('#weak-password-problems').innerText();
    expect(reasons).toContain('The password is too short: use at least 15 characters.');
    expect(reasons).toContain('This password is too common');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('new_password');

    // The meter appears with the script, and follows what is typed.
    await page.locator('#password-meter').waitFor({ state: 'visible' });
    await page.locator('#new_password').pressSequentially('abc');
    await expect.poll(() => page.locator('#password-strength').innerText()).toBe('Strength: weak');
    expect(await meterValue(page)).toBeLessThanOrEqual(1);
    expect(await lengthRuleMet(page)).toBe(false);
    await page.locator('#new_password').fill('');
    await page.locator('#new_password').pressSequentially(newPassphrase);
    await expect.poll(() => page.locator('#password-strength').innerText()).toBe('Strength: strong');
    expect(await meterValue(page)).toBeGreaterThanOrEqual(3);
    expect(await lengthRuleMet(page)).toBe(true);
    expect(await page.locator('li[data-rule="length"] .rule-state').textContent()).toContain('(done)');
    expect(await page.locator('#password-strength').getAttribute('aria-live')).toBe('polite');

    // A new password that is too short is refused with the rule it breaks; nothing is saved.
    await page.fill('#new_password', 'Kq7#mPz2wR');
    await page.fill('#confirm_password', 'Kq7#mPz2wR');
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForSelector('#new-password-error:not([hidden])');
    expect(await page.locator('#new-password-error').innerText()).toBe('The password is too short: use at least 15 characters.');
    expect(await page.locator('#new_password').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new_password').inputValue()).toBe('');
    expect((await server.services.accounts.authenticate('weak-1', weakPassword)).ok).toBe(true);

    // Two different entries are refused too.
    await page.fill('#new_password', newPassphrase);
    await page.fill('#confirm_password', `${newPassphrase}!`);
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForSelector('#new-password-error:not([hidden])');
    expect(await page.locator('#new-password-error').innerText()).toContain('The two new passwords are not the same');

    // A good one finishes the same sign-in: the app gets its code, for this person.
    await page.fill('#new_password', newPassphrase);
    await page.fill('#confirm_password', newPassphrase);
    await page.getByRole('button', { name: 'Save and continue' }).click();
    await page.waitForURL(`${redirectUri}**`);
    const tokens = await webApp.callback(page.url(), request);
    expect(tokens.claims()?.preferred_username).toBe('weak-1');
    expect((await server.services.accounts.authenticate('weak-1', weakPassword)).ok).toBe(false);
    expect((await server.services.accounts.authenticate('weak-1', newPassphrase)).ok).toBe(true);
    expect(notices).toContain(`${user.id}:password_changed`);
    expect(violations).toEqual([]);
    await context.close();
  });

  it('says the rules in Chinese to a zh-CN browser', async () => {
    await seedStudent(server.services.prisma, { username: 'weak-2', cardNumber: 'W2', email: 'weak2@example.edu', password: weakPassword });
    const { context, page } = await appPage('zh-CN');
    await page.goto((await authorizeUrl(webApp)).url);
    await signIn(page, 'weak-2', weakPassword);
    await page.waitForSelector('#new_password');
    expect(await page.locator('h1').innerText()).toBe('请设置新密码');
    expect(await page.locator('#weak-password-problems').innerText()).toContain('密码太短：至少需要 15 个字符。');
    await page.locator('#new_password').pressSequentially('abc');
    await expect.poll(() => page.locator('#password-strength').innerText()).toBe('强度：弱');
    await context.close();
  });

  it('still asks for the second factor after the new password when the app requires one', async () => {
    await seedStudent(server.services.prisma, { username: 'weak-3', cardNumber: 'W3', email: 'weak3@example.edu', password: weakPassword });
    const browser = new Browser();
    const { page } = await mailApp.authorize(browser);
    const change = await submitLogin(browser, page, 'weak-3', weakPassword, mailCallback);
    expect(change.html).toContain('Choose a new password');
    const next = await browser.submit(change, /\/interaction\/[^/]+\/password$/, { new_password: newPassphrase, confirm_password: newPassphrase }, mailCallback);
    expect(next.url).toContain('/interaction/');
    expect(next.html).toContain('Set up an authenticator app');
    expect(next.html).toMatch(/<code id="totp-secret">[A-Z2-7]+<\/code>/);
  });

  it('serves the meter as one bundled script, gzip-compressed for browsers that accept it', async () => {
    const compressed = await fetch(`${server.url}/assets/password-meter.js`, { headers: { 'accept-encoding': 'gzip' } });
    expect(compressed.headers.get('content-encoding')).toBe('gzip');
    expect(compressed.headers.get('content-type')).toContain('text/javascript');
    const script = await compressed.text();
    expect(script).toContain('data-password-meter');
    expect(script).not.toMatch(/^\s*import\s/m);
    const plain = await fetch(`${server.url}/assets/password-meter.js`, { headers: { 'accept-encoding': 'identity' } });
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect((await plain.text()).length).toBe(script.length);
  });

  it('leaves people whose password meets the rules alone', async () => {
    await seedStudent(server.services.prisma, { username: 'strong-1', cardNumber: 'S1', email: 'strong1@example.edu' });
    const browser = new Browser();
    const { page } = await webApp.authorize(browser);
    const done = await submitLogin(browser, page, 'strong-1', student.password, redirectUri);
    expect(done.url.startsWith(redirectUri)).toBe(true);
  });
});

describe('PASSWORD_WEAK_EXISTING=disable and =allow', () => {
  it('disable: the account is disabled and the page says why and what to do', async () => {
    const strict = await startTestServer({ PASSWORD_WEAK_EXISTING: 'disable' });
    try {
      await seedStudent(strict.services.prisma, { username: 'weak-4', cardNumber: 'W4', email: 'weak4@example.edu', password: weakPassword });
      const rp = await relyingParty(strict.url, 'web-app', redirectUri, webAppSecret);
      const { context, page } = await appPage();
      await page.goto((await authorizeUrl(rp)).url);
      await signIn(page, 'weak-4', weakPassword);
      await page.waitForSelector('#disabled-action');
      expect(await page.locator('h1').innerText()).toBe('Account disabled');
      expect(await page.getByRole('alert').innerText()).toContain('The password is too short: use at least 15 characters.');
      expect(await page.locator('#disabled-action').innerText()).toContain('Contact the IT help desk in person with your staff or student ID card');
      expect((await strict.services.prisma.user.findUniqueOrThrow({ where: { username: 'weak-4' } })).status).toBe('disabled');
      await context.close();

      // The next attempt, even with the right password, is refused as a disabled account.
      const browser = new Browser();
      const again = await rp.authorize(browser);
      const refused = await submitLogin(browser, again.page, 'weak-4', weakPassword, redirectUri);
      expect(refused.status).toBe(401);
      expect(refused.html).toContain('This account is disabled');
    } finally {
      await strict.destroy();
    }
  });

  it('allow: the sign-in goes through as before', async () => {
    const lenient = await startTestServer({ PASSWORD_WEAK_EXISTING: 'allow' });
    try {
      await seedStudent(lenient.services.prisma, { username: 'weak-5', cardNumber: 'W5', email: 'weak5@example.edu', password: weakPassword });
      const rp = await relyingParty(lenient.url, 'web-app', redirectUri, webAppSecret);
      const browser = new Browser();
      const { page } = await rp.authorize(browser);
      const done = await submitLogin(browser, page, 'weak-5', weakPassword, redirectUri);
      expect(done.url.startsWith(redirectUri)).toBe(true);
    } finally {
      await lenient.destroy();
    }
  });
});

describe('/account/password', () => {
  it('refuses a wrong current password; the new password works for the next sign-in and the old one does not', async () => {
    const user = await seedStudent(server.services.prisma, { username: 'change-1', cardNumber: 'C1', email: 'change1@example.edu' });
    // Signed in on another device too: the change (box ticked, as by default) ends that sign-in and its app's tokens.
    const elsewhere = new Browser();
    const other = await webApp.authorize(elsewhere);
    const otherTokens = await webApp.callback((await submitLogin(elsewhere, other.page, 'change-1', student.password, redirectUri)).url, other);
    const userinfo = () => fetch(`${server.url}/me`, { headers: { authorization: `Bearer ${otherTokens.access_token}` } });
    expect((await userinfo()).status).toBe(200);
    const { context, page, violations } = await appPage();
    await page.goto(`${server.url}/account`);
    await signIn(page, 'change-1', student.password);
    await page.waitForURL(`${server.url}/account`);
    await page.getByRole('link', { name: 'Change password' }).click();
    await page.waitForURL(`${server.url}/account/password`);
    expect(await page.locator('h1').innerText()).toBe('Change password');
    await page.locator('#password-meter').waitFor({ state: 'visible' });

    // A post without the form's CSRF token changes nothing.
    const forged = await page.request.post(`${server.url}/account/password`, { form: { current_password: student.password, new_password: newPassphrase, confirm_password: newPassphrase }, maxRedirects: 0 });
    expect(forged.status()).toBe(403);

    await page.fill('#current_password', 'Not-The-Password-42');
    await page.fill('#new_password', newPassphrase);
    await page.fill('#confirm_password', newPassphrase);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForSelector('#current-password-error:not([hidden])');
    expect(await page.locator('#current-password-error').innerText()).toBe('Your current password is not right. The new password was not saved.');
    expect((await server.services.accounts.authenticate('change-1', student.password)).ok).toBe(true);

    // A new password that contains the login ID is refused with that rule, without spending a guess.
    await page.fill('#current_password', student.password);
    await page.fill('#new_password', 'my change-1 passphrase here');
    await page.fill('#confirm_password', 'my change-1 passphrase here');
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForSelector('#new-password-error:not([hidden])');
    expect(await page.locator('#new-password-error').innerText()).toBe('The password contains your login ID, your name or your e-mail name. Choose one that does not.');

    await page.fill('#current_password', student.password);
    await page.fill('#new_password', newPassphrase);
    await page.fill('#confirm_password', newPassphrase);
    await page.getByRole('button', { name: 'Change password' }).click();
    await page.waitForURL(/\/account\/password\?done=changed&others=1$/);
    expect(await page.getByRole('status').innerText()).toContain('Your password was changed');
    expect(await page.getByRole('status').innerText()).toContain('You were signed out on 1 other browsers or devices.');
    expect((await userinfo()).status).toBe(401);
    // This browser stays signed in.
    await page.goto(`${server.url}/account`);
    expect(page.url()).toBe(`${server.url}/account`);
    expect(notices).toContain(`${user.id}:password_changed`);
    expect(violations).toEqual([]);
    await context.close();

    const browser = new Browser();
    const old = await webApp.authorize(browser);
    const refused = await submitLogin(browser, old.page, 'change-1', student.password, redirectUri);
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('Login ID or password is incorrect.');
    const fresh = await webApp.authorize(browser);
    const done = await submitLogin(browser, fresh.page, 'change-1', newPassphrase, redirectUri);
    expect(done.url.startsWith(redirectUri)).toBe(true);
  });
});
