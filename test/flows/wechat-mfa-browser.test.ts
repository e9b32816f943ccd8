// In Chromium: the mfa prompt offers "Confirm with WeChat" to a person with a bound WeChat (reached with the
// keyboard); the official-account QR page waits, and when the simulator pushes the signed scan event its own
// polling moves on to the trust question; the app gets amr pwd + mfa + wechat. No CSP violations.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { catchRedirect, collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { campusWechatApps, startWechatSimulator, type WechatSimulator } from '../simulators/wechat-simulator.ts';

const mailCallback = 'http://127.0.0.1:9/mail';
let sim: WechatSimulator;
let server: TestServer;
let mailApp: RelyingParty;
let chromium: ChromiumBrowser;

beforeAll(async () => {
  sim = await startWechatSimulator(campusWechatApps);
  server = await startTestServer({ ...sim.serverSettings(), WECHAT_MFA: 'official-account' }, {
    oidc: [{ client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [mailCallback], first_party: true, mfa: 'required' }],
  });
  mailApp = await relyingParty(server.url, 'mail-app', mailCallback, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
  await sim?.close();
});

it('confirms the sign-in with the bound WeChat from the mfa prompt', async () => {
  const user = await seedStudent(server.services.prisma);
  await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: '+8613912345678', verifiedAt: new Date() } });
  const wechat = sim.person('judy');
  await server.services.prisma.externalIdentity.create({ data: { provider: 'wechat', appId: 'unionid', subject: wechat.unionid!, userId: user.id } });

  const context = await chromium.newContext({ locale: 'en-US', viewport: { width: 360, height: 740 } });
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  const landed = await catchRedirect(page, mailCallback);
  const { url, ...expected } = await mailApp.authorizationUrl({ scope: 'openid' });
  await page.goto(url);
  await page.fill('#login_id', student.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');

  // The mfa prompt: the WeChat option is a real link, reached and followed with the keyboard.
  const option = page.getByRole('link', { name: 'Confirm with WeChat' });
  await option.waitFor();
  await option.focus();
  await page.keyboard.press('Enter');
  await page.waitForSelector('#connect-qr');
  expect(await page.locator('#connect-status').innerText()).toBe('Waiting for your scan…');

  const pushed = await sim.scanOfficialQr(sim.latestTicket()!, wechat, `${server.url}/connect/wechat-mp/events`, { following: true });
  expect(pushed?.body).toBe('success');
  // No click: the page's own polling moves on to the trust question.
  await page.getByRole('button', { name: 'Not now' }).click({ timeout: 5000 });
  await expect.poll(() => landed(), { timeout: 5000 }).toMatch(/^http:\/\/127\.0\.0\.1:9\/mail\?code=/);
  const tokens = await mailApp.callback(landed(), expected);
  expect(tokens.claims()?.amr).toEqual(['pwd', 'mfa', 'wechat']);
  expect(violations).toEqual([]);
  await context.close();
});
