// In Chromium: the official-account QR page hears of the scan over server-sent events (it opens /wait and never
// polls /status), and when the event stream is blocked it falls back to slow polling and still moves on by itself.
// No CSP violations either way.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import { catchRedirect, collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent } from '../helpers/users.ts';
import { startWechatSimulator, type WechatSimulator } from '../simulators/wechat-simulator.ts';

const mpAppId = 'wx9f8e7d6c5b4a3921';
let sim: WechatSimulator;
let server: TestServer;
let webApp: RelyingParty;
let chromium: ChromiumBrowser;
let seeded = 0;

beforeAll(async () => {
  sim = await startWechatSimulator({
    open: { appId: 'wx0a1b2c3d4e5f6071', secret: 'open-app-secret-0123456789abcdef', callbackHost: '127.0.0.1' },
    mp: { appId: mpAppId, secret: 'mp-app-secret-0123456789abcdef', token: 'campusToken2026' },
    wecom: { corpId: 'ww5f3c2a1b0e9d8c7b', agentId: '1000002', secret: 'wecom-secret-0123456789abcdef', trustedHost: '127.0.0.1' },
  });
  server = await startTestServer(sim.serverSettings());
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
  await sim?.close();
});

/** A bound follower at the official-account QR page in Chromium; `paths` records every request the page makes. */
async function atQrPage(page: Page) {
  const username = `wait-${++seeded}`;
  const user = await seedStudent(server.services.prisma, { username, cardNumber: `WAIT-${seeded}`, email: `${username}@example.edu` });
  const wechat = sim.person(username, false);
  await server.services.prisma.externalIdentity.create({ data: { provider: 'wechat-mp', appId: mpAppId, subject: wechat.openids[mpAppId]!, userId: user.id } });
  const paths: string[] = [];
  page.on('request', (request) => paths.push(new URL(request.url()).pathname));
  const callback = await catchRedirect(page, redirectUri);
  const { url, ...expected } = await webApp.authorizationUrl({ scope: 'openid' });
  await page.goto(url);
  await page.getByRole('link', { name: 'Scan the campus WeChat account' }).click();
  await page.waitForSelector('#connect-qr');
  const scan = () => sim.scanOfficialQr(sim.latestTicket()!, wechat, `${server.url}/connect/wechat-mp/events`, { following: true });
  const signedIn = async () => (await webApp.callback(callback(), expected)).claims()?.sub;
  return { user, paths, callback, scan, signedIn };
}

it('moves on over server-sent events at once, without polling', async () => {
  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  const { user, paths, callback, scan, signedIn } = await atQrPage(page);
  await expect.poll(() => paths.includes('/connect/wechat-mp/wait'), { timeout: 3000 }).toBe(true);
  await page.waitForTimeout(1500); // longer than the old one-second poll: no /status request may appear
  expect((await scan())?.body).toBe('success');
  // The page moved on by itself and never polled: the push reached it over the stream (how fast is for the bench).
  await expect.poll(() => callback(), { timeout: 5000, interval: 20 }).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  expect(paths).not.toContain('/connect/wechat-mp/status');
  expect(await signedIn()).toBe(user.id);
  expect(violations).toEqual([]);
  await context.close();
});

it('falls back to slow polling when the event stream is blocked, and still moves on by itself', async () => {
  const context = await chromium.newContext({ locale: 'en-US' });
  await context.route('**/connect/wechat-mp/wait', (route) => route.abort());
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  const { user, paths, callback, scan, signedIn } = await atQrPage(page);
  await expect.poll(() => paths.includes('/connect/wechat-mp/status'), { timeout: 15_000 }).toBe(true);
  expect((await scan())?.body).toBe('success');
  await expect.poll(() => callback(), { timeout: 10_000 }).toMatch(/^http:\/\/127\.0\.0\.1:9\/cb\?code=/);
  expect(await signedIn()).toBe(user.id);
  expect(violations).toEqual([]);
  await context.close();
});
