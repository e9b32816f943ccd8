// Scan-to-confirm in Chromium with two browser contexts: the desktop shows a QR on the sign-in page, a phone
// signed in to campus-idp opens it, picks the desktop's number and approves (or denies, or picks wrong); the
// desktop advances at once over server-sent events and lands at the app with amr ["mca"]. Expired and reused
// codes are refused on both sides; with PostgreSQL + Redis, a QR shown by instance A is approved on instance B.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import type { BrowserContext, Browser as ChromiumBrowser, Page } from 'playwright-core';
import * as client from 'openid-client';
import { collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let chromium: ChromiumBrowser;
let webApp: RelyingParty;
const phoneAgent = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';

beforeAll(async () => {
  server = await startTestServer({ CAMPUS_NETWORKS: '127.0.0.0/8=Library network' });
  await seedStudent(server.services.prisma);
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

interface Desktop {
  page: Page;
  context: BrowserContext;
  qrUrl: string;
  digits: number;
  /** Resolves with the app's callback URL once the desktop lands there. */
  landed: Promise<string>;
  request: { verifier: string; state: string; nonce: string };
  /** Console messages about Content-Security-Policy violations. */
  cspViolations: string[];
}

/** Opens the app's sign-in on a desktop browser and waits for the QR. */
async function openDesktop(options: { base?: string; on?: { server: TestServer; app: RelyingParty }; pauseTimers?: boolean; params?: Record<string, string> } = {}): Promise<Desktop> {
  const { server: target, app } = options.on ?? { server, app: webApp };
  const base = options.base ?? target.url;
  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const cspViolations = collectCspViolations(page);
  let arrived: (url: string) => void = () => {};
  const landed = new Promise<string>((resolve) => (arrived = resolve));
  await page.route(`${redirectUri}**`, async (route) => {
    arrived(route.request().url());
    await route.fulfill({ status: 200, contentType: 'text/html', body: '<p>app</p>' });
  });
  if (options.pauseTimers) await page.clock.install();
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(app.config, {
    redirect_uri: redirectUri, scope: 'openid profile', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256', ...options.params,
  });
  await page.goto(url.toString().replace(target.url, base));
  await page.waitForSelector('#qr-image:not([hidden])[data-url]');
  // The page's own refresh timer stops here; the server-side expiry still runs. The pause time is read from the
  // page's clock, which can run ahead of this process's; on a loaded machine it may pass the target before the
  // pause arrives, so that is retried.
  for (let attempt = 0; options.pauseTimers; attempt++) {
    const pageNow = await page.evaluate(() => Date.now());
    const paused = await page.clock.pauseAt(pageNow + 100).then(() => true, (error: unknown) => {
      if (attempt >= 4) throw error;
      return false;
    });
    if (paused) break;
  }
  const qrUrl = (await page.getAttribute('#qr-image', 'data-url')) ?? '';
  const digits = Number(await page.locator('#qr-digits').innerText());
  return { page, context, qrUrl, digits, landed, request: { verifier, state, nonce }, cspViolations };
}

/** A phone context already signed in to campus-idp (through /account). */
async function signedInPhone(base = server.url): Promise<BrowserContext> {
  const context = await chromium.newContext({ locale: 'en-US', userAgent: phoneAgent, viewport: { width: 390, height: 844 } });
  const page = await context.newPage();
  await page.goto(`${base}/account`);
  await page.fill('#login_id', student.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
  await page.waitForURL(`${base}/account`);
  await page.close();
  return context;
}

const wrongChoice = async (phone: Page, digits: number) => {
  const values = await phone.locator('input[name="number"]').evaluateAll((inputs) => inputs.map((input) => (input as HTMLInputElement).value));
  expect(values).toHaveLength(3);
  expect(values).toContain(String(digits));
  return values.find((value) => value !== String(digits)) as string;
};

it('signs the desktop in at the app after the phone picks the right number and approves', async () => {
  const desktop = await openDesktop();
  expect(desktop.qrUrl).toMatch(new RegExp(`^${server.url}/qr/[A-Za-z0-9_-]{32}$`));
  expect(await desktop.page.locator('#qr-code').innerText()).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);
  expect(await desktop.page.locator('#qr-type-hint').innerText()).toContain(`${server.url}/qr`);

  const phoneContext = await signedInPhone();
  const phone = await phoneContext.newPage();
  await phone.goto(desktop.qrUrl);
  await phone.waitForURL(`${server.url}/qr/confirm`);
  expect(await phone.locator('h1').innerText()).toBe('Is this you signing in?');
  expect(await phone.locator('main').innerText()).toContain(student.username);
  expect(await phone.locator('#qr-app').innerText()).toBe('Web App');
  expect(await phone.locator('#qr-browser').innerText()).toMatch(/^HeadlessChrome \d+$/);
  expect(await phone.locator('#qr-system').innerText()).toBe('Linux');
  expect(await phone.locator('#qr-ip').innerText()).toBe('127.0.0.1');
  expect(await phone.locator('#qr-place').innerText()).toBe('Library network');
  expect(await phone.locator('#qr-time').innerText()).not.toBe('');
  // Fits a phone screen: nothing wider than the viewport.
  expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  // The desktop learnt of the scan at once, and no longer shows the QR.
  await desktop.page.waitForSelector(`#qr-status:has-text("pick ${desktop.digits}")`, { timeout: 3000 });
  expect(await desktop.page.locator('#qr-image').isHidden()).toBe(true);

  // Approving without picking a number is refused with a message; nothing is decided.
  await phone.getByRole('button', { name: 'Approve' }).click();
  await phone.waitForSelector('#qr-error:not([hidden])');
  expect(await phone.getByRole('alert').innerText()).toContain('Pick the number');

  await phone.locator('label.qr-number', { hasText: String(desktop.digits) }).click();
  const approvedAt = Date.now();
  await phone.getByRole('button', { name: 'Approve' }).click();
  await phone.waitForSelector('#qr-outcome');
  expect(await phone.locator('h1').innerText()).toBe('Approved');

  const callback = await desktop.landed;
  // "At once": server-sent events, not polling (a generous bound for a loaded CI machine).
  expect(Date.now() - approvedAt).toBeLessThan(3000);
  const tokens = await webApp.callback(callback, desktop.request);
  const claims = tokens.claims()!;
  const user = await server.services.accounts.findByUsername(student.username);
  expect(claims.sub).toBe(user!.id);
  expect(claims.amr).toEqual(['mca']);
  expect(desktop.cspViolations).toEqual([]);

  // The QR's URL is single use: opening it again (here on another phone) says so.
  const other = await signedInPhone();
  const again = await other.newPage();
  const reply = await again.goto(desktop.qrUrl);
  expect(reply?.status()).toBe(410);
  expect(await again.locator('h1').innerText()).toBe('Code expired or already used');
  await Promise.all([desktop.context.close(), phoneContext.close(), other.close()]);
});

it('denies: the phone says nobody was signed in and the desktop offers a new code', async () => {
  const desktop = await openDesktop();
  const phoneContext = await signedInPhone();
  const phone = await phoneContext.newPage();
  await phone.goto(desktop.qrUrl);
  await phone.getByRole('button', { name: 'Deny, it is not me' }).click();
  await phone.waitForSelector('#qr-outcome');
  expect(await phone.locator('h1').innerText()).toBe('Sign-in refused');
  await desktop.page.waitForSelector('#qr-status:has-text("refused on the phone")', { timeout: 3000 });
  expect(await desktop.page.locator('#qr-new').isVisible()).toBe(true);

  // A new code works again from the same sign-in page.
  await desktop.page.locator('#qr-new').click();
  await desktop.page.waitForFunction((old) => document.querySelector('#qr-image')?.getAttribute('data-url') !== old, desktop.qrUrl);
  expect(await desktop.page.locator('#qr-image').isVisible()).toBe(true);
  await Promise.all([desktop.context.close(), phoneContext.close()]);
});

it('refuses and burns the code when the phone picks the wrong number', async () => {
  const desktop = await openDesktop();
  const phoneContext = await signedInPhone();
  const phone = await phoneContext.newPage();
  await phone.goto(desktop.qrUrl);
  const wrong = await wrongChoice(phone, desktop.digits);
  await phone.locator('label.qr-number', { hasText: wrong }).click();
  await phone.getByRole('button', { name: 'Approve' }).click();
  await phone.waitForSelector('#qr-outcome');
  expect(await phone.locator('#qr-outcome').innerText()).toContain('not the number on the other screen');
  await desktop.page.waitForSelector('#qr-status:has-text("wrong number")', { timeout: 3000 });
  // Going back to try the right number changes nothing: the decision was made.
  const retry = await phone.goto(`${server.url}/qr/confirm`);
  expect(retry?.status()).toBe(410);
  expect(await phone.locator('h1').innerText()).toBe('Code expired or already used');
  expect(await desktop.page.evaluate(() => location.pathname)).toMatch(/^\/interaction\//);
  await Promise.all([desktop.context.close(), phoneContext.close()]);
});

describe('short-lived codes (QR_TOKEN_TTL=5)', () => {
  const shortLived = {} as { server: TestServer; app: RelyingParty };
  beforeAll(async () => {
    shortLived.server = await startTestServer({ QR_TOKEN_TTL: '5' });
    await seedStudent(shortLived.server.services.prisma);
    shortLived.app = await relyingParty(shortLived.server.url, 'web-app', redirectUri, webAppSecret);
  });
  afterAll(async () => {
    await shortLived.server?.destroy();
  });

  it('refuses an expired code on the phone and tells the desktop it expired', async () => {
    // The page's own refresh timer is paused, so the code really runs out.
    const desktop = await openDesktop({ on: shortLived, pauseTimers: true });
    await desktop.page.waitForSelector('#qr-status:has-text("expired")', { timeout: 12_000 });
    expect(await desktop.page.locator('#qr-new').isVisible()).toBe(true);
    const phoneContext = await signedInPhone(shortLived.server.url);
    const phone = await phoneContext.newPage();
    const reply = await phone.goto(desktop.qrUrl);
    expect(reply?.status()).toBe(410);
    expect(await phone.locator('#qr-outcome').innerText()).toContain('expired or was already used');
    await Promise.all([desktop.context.close(), phoneContext.close()]);
  });

  it('shows a new code before the old one expires, and the old one stops working', async () => {
    // The page asks for the next code 10 s before expiry (here at once: at least 1 s after showing one).
    const desktop = await openDesktop({ on: shortLived });
    await desktop.page.waitForFunction((old) => document.querySelector('#qr-image')?.getAttribute('data-url') !== old, desktop.qrUrl, { timeout: 5000 });
    const phoneContext = await signedInPhone(shortLived.server.url);
    const phone = await phoneContext.newPage();
    expect((await phone.goto(desktop.qrUrl))?.status()).toBe(410);
    await Promise.all([desktop.context.close(), phoneContext.close()]);
  });
});

it('sends a phone that is not signed in through the sign-in first, then to the approval, by typed code', async () => {
  const desktop = await openDesktop();
  const shortCode = await desktop.page.locator('#qr-code').innerText();
  const phoneContext = await chromium.newContext({ locale: 'zh-CN', userAgent: phoneAgent });
  const phone = await phoneContext.newPage();
  await phone.goto(`${server.url}/qr`);
  expect(await phone.locator('h1').innerText()).toBe('输入登录码');
  await phone.fill('#code', 'AAAA-AAAA');
  await phone.press('#code', 'Enter');
  await phone.waitForSelector('#qr-error:not([hidden])');
  expect(await phone.inputValue('#code')).toBe('AAAA-AAAA');
  await phone.fill('#code', shortCode.toLowerCase());
  await phone.press('#code', 'Enter');
  await phone.waitForSelector('#login_id');
  await phone.fill('#login_id', student.username);
  await phone.fill('#password', student.password);
  await phone.press('#password', 'Enter');
  await phone.waitForURL(`${server.url}/qr/confirm`);
  expect(await phone.locator('h1').innerText()).toBe('是您本人在登录吗？');
  await phone.locator('label.qr-number', { hasText: String(desktop.digits) }).click();
  await phone.getByRole('button', { name: '确认登录' }).click();
  const tokens = await webApp.callback(await desktop.landed, desktop.request);
  expect(tokens.claims()?.amr).toEqual(['mca']);
  await Promise.all([desktop.context.close(), phoneContext.close()]);
});

it('is not a second factor: an app demanding MFA still gets the second-factor step after the approval', async () => {
  const desktop = await openDesktop({ params: { acr_values: 'urn:campus-idp:acr:mfa' } });
  const phoneContext = await signedInPhone();
  const phone = await phoneContext.newPage();
  await phone.goto(desktop.qrUrl);
  await phone.locator('label.qr-number', { hasText: String(desktop.digits) }).click();
  await phone.getByRole('button', { name: 'Approve' }).click();
  await desktop.page.waitForSelector('h1:has-text("Set up an authenticator app")');
  expect(desktop.page.url()).toMatch(/\/interaction\//);
  await Promise.all([desktop.context.close(), phoneContext.close()]);
});

it('refuses to finish without an approval, and refuses a post without the CSRF token', async () => {
  const desktop = await openDesktop();
  const finishUrl = await desktop.page.evaluate(async () => {
    const csrf = (document.querySelector('input[name="_csrf"]') as HTMLInputElement).value;
    const start = document.querySelector('#qr-login')!.getAttribute('data-start')!;
    const forged = await fetch(start, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    const created = await fetch(start, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrf)}` });
    const { finishUrl } = (await created.json()) as { finishUrl: string };
    const early = await fetch(finishUrl, { method: 'POST', headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, body: `_csrf=${encodeURIComponent(csrf)}` });
    return { forged: forged.status, created: created.status, early: early.status, early_body: await early.json(), finishUrl };
  });
  expect(finishUrl.forged).toBe(403);
  expect(finishUrl.created).toBe(200);
  expect(finishUrl.early).toBe(410);
  expect(finishUrl.early_body.error).toBe('qr_expired');
  await desktop.context.close();
});

describe('rate limits (QR_LIMIT_PER_IP=2, QR_APPROVALS_PER_IP=2)', () => {
  let limited: TestServer;
  beforeAll(async () => {
    limited = await startTestServer({ QR_LIMIT_PER_IP: '2', QR_APPROVALS_PER_IP: '2' });
  });
  afterAll(async () => {
    await limited?.destroy();
  });

  it('refuses a third QR from one address, and a third scan or typed code', async () => {
    const app = await relyingParty(limited.url, 'web-app', redirectUri, webAppSecret);
    const browser = new Browser();
    const { page } = await app.authorize(browser);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.html)?.[1] ?? '';
    const start = new URL(/data-start="([^"]+)"/.exec(page.html)?.[1] ?? '', limited.url).toString();
    const statuses = [];
    for (let attempt = 0; attempt < 3; attempt++) statuses.push((await browser.request(start, { form: { _csrf: csrf } })).status);
    expect(statuses).toEqual([200, 200, 429]);

    const phone = new Browser();
    const opened = [];
    for (let attempt = 0; attempt < 3; attempt++) opened.push((await phone.request(`${limited.url}/qr/${'A'.repeat(32)}`)).status);
    expect(opened).toEqual([410, 410, 429]);
    const limitedPage = await phone.visit(`${limited.url}/qr/${'B'.repeat(32)}`);
    expect(limitedPage.html).toContain('Too many attempts');
  });
});

// Two processes cannot share the embedded PGlite database: this runs in the PostgreSQL + Redis pass.
describe.skipIf(!(process.env.DATABASE_URL && process.env.REDIS_URL))('two instances sharing PostgreSQL and Redis', () => {
  it('signs in a desktop on instance A when the phone approves on instance B', async () => {
    const sibling = await server.sibling();
    try {
      // Same issuer behind a load balancer; here each instance is reached on its own port.
      const siblingBase = `http://127.0.0.1:${(sibling.server.address() as AddressInfo).port}`;
      const desktop = await openDesktop();
      // Cookies ignore ports, so the phone's session (signed in through the shared issuer) reaches B as well.
      const phoneContext = await signedInPhone();
      const phone = await phoneContext.newPage();
      await phone.goto(desktop.qrUrl.replace(server.url, siblingBase));
      await phone.waitForURL(`${siblingBase}/qr/confirm`);
      await desktop.page.waitForSelector(`#qr-status:has-text("pick ${desktop.digits}")`, { timeout: 3000 });
      await phone.locator('label.qr-number', { hasText: String(desktop.digits) }).click();
      const approvedAt = Date.now();
      await phone.getByRole('button', { name: 'Approve' }).click();
      const tokens = await webApp.callback(await desktop.landed, desktop.request);
      expect(Date.now() - approvedAt).toBeLessThan(3000);
      expect(tokens.claims()?.amr).toEqual(['mca']);
      await Promise.all([desktop.context.close(), phoneContext.close()]);
    } finally {
      await sibling.destroy();
    }
  });
});
