// In Chromium: the sign-in page offers "Scan the campus WeChat account"; the official-account QR page waits, and
// when the simulator pushes the signed scan event, the page's own polling (no reload, no click) moves the
// desktop on to the app, signed in. No CSP violations; the QR fits a phone-sized screen.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { catchRedirect, collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent } from '../helpers/users.ts';
import { campusWechatApps, startWechatSimulator, type WechatSimulator } from '../simulators/wechat-simulator.ts';

let sim: WechatSimulator;
let server: TestServer;
let webApp: RelyingParty;
let chromium: ChromiumBrowser;

beforeAll(async () => {
  sim = await startWechatSimulator(campusWechatApps);
  server = await startTestServer(sim.serverSettings());
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
  await sim?.close();
});

it('moves the waiting desktop on by itself once the official account reports the scan', async () => {
  const user = await seedStudent(server.services.prisma);
  // A follower whose account is not bound to an open platform: keyed by the account's appid + openid.
  const wechat = sim.person('ivan', false);
  await server.services.prisma.externalIdentity.create({ data: { provider: 'wechat-mp', appId: 'wx9f8e7d6c5b4a3921', subject: wechat.openids['wx9f8e7d6c5b4a3921']!, userId: user.id } });

  const context = await chromium.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  const callback = await catchRedirect(page, redirectUri);
  const { url, ...expected } = await webApp.authorizationUrl({ scope: 'openid' });
  await page.goto(url);
  await page.getByRole('link', { name: 'Scan the campus WeChat account' }).click();
  await page.waitForSelector('#connect-qr');
  expect(await page.locator('#connect-status').innerText()).toBe('Waiting for your scan…');
  const box = await page.locator('#connect-qr').boundingBox();
  expect(box!.width).toBeLessThanOrEqual(360);

  const pushed = await sim.scanOfficialQr(sim.latestTicket()!, wechat, `${server.url}/connect/wechat-mp/events`, { following: true });
  expect(pushed?.body).toBe('success');
  await expect.poll(() => callback(), { timeout: 5000 }).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  const tokens = await webApp.callback(callback(), expected);
  expect(tokens.claims()?.sub).toBe(user.id);
  expect(violations).toEqual([]);
  await context.close();
});
