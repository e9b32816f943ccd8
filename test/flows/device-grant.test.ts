// The kiosk case on the RFC 8628 device authorization grant: openid-client starts it and polls while a person in
// Chromium types the user code on our page, checks what is asking on the confirmation page (the same details as
// the phone approval), signs in and sees our success page. A wrong code and a cancelled request are refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import * as client from 'openid-client';
import { launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let chromium: ChromiumBrowser;
let kiosk: RelyingParty;

beforeAll(async () => {
  server = await startTestServer({ CAMPUS_NETWORKS: '127.0.0.0/8=Library network' }, [
    {
      client_id: 'kiosk',
      client_name: 'Library kiosk',
      token_endpoint_auth_method: 'none',
      grant_types: ['urn:ietf:params:oauth:grant-type:device_code'],
      response_types: [],
      redirect_uris: [],
      first_party: true,
    },
  ]);
  await seedStudent(server.services.prisma);
  kiosk = await relyingParty(server.url, 'kiosk', '');
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

async function enterCode(page: Page, userCode: string) {
  await page.goto(`${server.url}/device`);
  expect(await page.locator('h1').innerText()).toBe('Sign in on a device');
  await page.fill('#user_code', userCode);
  await page.press('#user_code', 'Enter');
}

it('signs the kiosk in after the person enters its code, confirms and signs in', async () => {
  const started = await client.initiateDeviceAuthorization(kiosk.config, { scope: 'openid profile' });
  expect(started.user_code).toMatch(/^[BCDFGHJKLMNPQRSTVWXZ]{4}-[BCDFGHJKLMNPQRSTVWXZ]{4}$/);
  expect(started.verification_uri).toBe(`${server.url}/device`);
  const polling = client.pollDeviceAuthorizationGrant(kiosk.config, started);

  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  // A wrong code is refused on our page, in the page language, with the input kept.
  await enterCode(page, 'BBBB-BBBB');
  await page.waitForSelector('#device-error:not([hidden])');
  expect(await page.getByRole('alert').innerText()).toContain('That code is not right');

  // Typed in lower case without the dash, as people do.
  await enterCode(page, started.user_code.replace('-', '').toLowerCase());
  await page.waitForSelector('.qr-details');
  expect(await page.locator('h1').innerText()).toBe('Sign in on this device?');
  expect(await page.locator('main').innerText()).toContain(started.user_code);
  expect(await page.locator('#qr-app').innerText()).toBe('Library kiosk');
  expect(await page.locator('#qr-ip').innerText()).toBe('127.0.0.1');
  expect(await page.locator('#qr-place').innerText()).toBe('Library network');
  await page.getByRole('button', { name: 'Continue' }).click();

  await page.waitForSelector('#login_id');
  await page.fill('#login_id', student.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
  await page.waitForSelector('h1:has-text("Device signed in")');
  expect(await page.getByRole('status').innerText()).toContain('Library kiosk');

  const tokens = await polling;
  const user = await server.services.accounts.findByUsername(student.username);
  expect(tokens.claims()?.sub).toBe(user!.id);
  expect(tokens.claims()?.amr).toEqual(['pwd']);
  await context.close();
}, 60_000);

it('tells the person the request was cancelled, and the kiosk gets access_denied', async () => {
  const started = await client.initiateDeviceAuthorization(kiosk.config, { scope: 'openid' });
  const polling = client.pollDeviceAuthorizationGrant(kiosk.config, started).then(() => 'granted', (error: { error?: string }) => error.error);
  const context = await chromium.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await page.goto(`${server.url}/device`);
  await page.fill('#user_code', started.user_code);
  await page.press('#user_code', 'Enter');
  await page.getByRole('button', { name: '取消，不是我' }).click();
  await page.waitForSelector('#device-error:not([hidden])');
  expect(await page.getByRole('alert').innerText()).toContain('设备上的登录已取消');
  expect(await polling).toBe('access_denied');
  await context.close();
}, 60_000);
