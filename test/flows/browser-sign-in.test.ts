// A real sign-in in Chromium: keyboard only, the show-password toggle, the language of the page, no CSP
// violations, and the relying party gets tokens at the end.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import * as client from 'openid-client';
import { catchRedirect, collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let chromium: ChromiumBrowser;
let webApp: RelyingParty;

beforeAll(async () => {
  server = await startTestServer();
  await seedStudent(server.services.prisma);
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

const focusedName = (page: Page) => page.evaluate<string | null>('document.activeElement?.getAttribute("name") ?? null');

async function authorizeUrl() {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(webApp.config, {
    redirect_uri: redirectUri, scope: 'openid profile', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  return { url: url.toString(), verifier, state, nonce };
}

it('signs in with the keyboard alone and hands the app a code', async () => {
  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  // The relying party itself is not running; catch the redirect to it.
  const callback = await catchRedirect(page, redirectUri);

  const request = await authorizeUrl();
  await page.goto(request.url);
  expect(await page.getAttribute('html', 'lang')).toBe('en');
  expect(await focusedName(page)).toBe('login_id');
  await page.keyboard.type(student.username);
  await page.keyboard.press('Tab');
  expect(await focusedName(page)).toBe('password');
  await page.keyboard.type(student.password);

  const password = page.locator('input[name="password"]');
  expect(await password.getAttribute('type')).toBe('password');
  await page.getByRole('button', { name: /show password/i }).click();
  expect(await password.getAttribute('type')).toBe('text');
  await page.getByRole('button', { name: /hide password/i }).click();
  expect(await password.getAttribute('type')).toBe('password');

  await password.press('Enter');
  await page.waitForURL(`${redirectUri}**`);
  expect(callback().startsWith(redirectUri)).toBe(true);
  const tokens = await webApp.callback(callback(), request);
  expect(tokens.claims()?.preferred_username).toBe(student.username);
  expect(violations).toEqual([]);
  await context.close();
});

it('shows a wrong password in Chinese to a zh-CN browser, without losing the login ID', async () => {
  const context = await chromium.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto((await authorizeUrl()).url);
  expect(await page.getAttribute('html', 'lang')).toBe('zh-CN');
  await page.fill('input[name="login_id"]', student.username);
  await page.fill('input[name="password"]', 'wrong-password-here');
  await page.press('input[name="password"]', 'Enter');
  await page.waitForLoadState();
  expect(await page.getByRole('alert').innerText()).toContain('账号或密码错误');
  expect(await page.inputValue('input[name="login_id"]')).toBe(student.username);
  expect(await focusedName(page)).toBe('password');
  await context.close();
});
