// In Chromium: forced TOTP enrolment during sign-in (reading the key off the page, computing the code), the
// recovery codes and the trust question, then a second sign-in that asks for a code.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import * as client from 'openid-client';
import { Secret, TOTP } from 'otpauth';
import { launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

const callback = 'http://127.0.0.1:9/mail';
let server: TestServer;
let chromium: ChromiumBrowser;
let mailApp: RelyingParty;

beforeAll(async () => {
  server = await startTestServer({}, {
    oidc: [{ client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [callback], first_party: true, mfa: 'required' }],
  });
  await seedStudent(server.services.prisma);
  mailApp = await relyingParty(server.url, 'mail-app', callback, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

async function authorizeUrl() {
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(mailApp.config, {
    redirect_uri: callback, scope: 'openid', state, nonce, acr_values: 'urn:campus-idp:acr:mfa',
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  return { url: url.toString(), verifier, state, nonce };
}

it('enrols an authenticator app inside the sign-in, then asks for a code next time', async () => {
  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  let landed = '';
  await page.route(`${callback}**`, async (route) => {
    landed = route.request().url();
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>mail</p>' });
  });

  const request = await authorizeUrl();
  await page.goto(request.url);
  await page.fill('#login_id', student.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');

  await page.waitForSelector('#totp-secret');
  expect(await page.locator('img[alt*="QR"]').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
  const secret = (await page.locator('#totp-secret').innerText()).trim();
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  const t0 = Date.now();
  await page.fill('#code', totp.generate({ timestamp: t0 }));
  await page.press('#code', 'Enter');

  await page.waitForSelector('ol.recovery-codes');
  expect(await page.locator('ol.recovery-codes li').count()).toBe(10);
  await page.getByRole('button', { name: 'Not now' }).click();
  await page.waitForURL(`${callback}**`);
  const tokens = await mailApp.callback(landed, request);
  expect(tokens.claims()?.acr).toBe('urn:campus-idp:acr:mfa');

  // A new browser session: password, then the code prompt (no enrolment this time).
  const second = await chromium.newContext({ locale: 'en-US' });
  const again = await second.newPage();
  await again.route(`${callback}**`, (route) => route.fulfill({ status: 200, body: 'mail' }));
  await again.goto((await authorizeUrl()).url);
  await again.fill('#login_id', student.username);
  await again.fill('#password', student.password);
  await again.press('#password', 'Enter');
  await again.waitForSelector('#code');
  expect(await again.locator('#totp-secret').count()).toBe(0);
  await again.fill('#code', totp.generate({ timestamp: t0 + 30_000 }));
  await again.press('#code', 'Enter');
  await again.getByRole('button', { name: 'Trust' }).click();
  await again.waitForURL(`${callback}**`);
  const cookies = await second.cookies(server.url);
  expect(cookies.find((cookie) => cookie.name === 'campus_device')?.httpOnly).toBe(true);
  await context.close();
  await second.close();
});
