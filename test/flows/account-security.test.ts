// In Chromium: /account/security behind the provider's SSO session (sign-in and step-up, sign-out ends access),
// the lists, revoking a trusted browser, the fresh-proof step before removing a factor, renaming, new recovery
// codes, notifications and audit rows for each change, and a form post without its CSRF token.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { BrowserContext, Browser as ChromiumBrowser, Page } from 'playwright-core';
import { Secret, TOTP } from 'otpauth';
import { launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let chromium: ChromiumBrowser;
let userId: string;
const notices: string[] = [];
const apps: { id: string; totp: TOTP }[] = [];
let oldRecoveryCodes: string[] = [];

async function bindApp(label: string) {
  const { totp: service } = server.services;
  const { secret } = await service.startEnrollment(student.username);
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  // Bound with the previous step's code, so the current and the next step are still unused.
  expect(await service.confirmEnrollment(userId, secret, totp.generate({ timestamp: Date.now() - 30_000 }), label)).toBe(true);
  const factor = await server.services.prisma.factor.findFirstOrThrow({ where: { userId, label } });
  return { id: factor.id, totp };
}

beforeAll(async () => {
  server = await startTestServer({}, {}, { securityNotifier: { notify: async (id, event) => void notices.push(`${id === userId ? 'me' : id}:${event}`) } });
  userId = (await seedStudent(server.services.prisma)).id;
  apps.push(await bindApp('Phone'), await bindApp('Tablet'));
  oldRecoveryCodes = await server.services.recovery.regenerate(userId);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

const securityUrl = () => `${server.url}/account/security`;

async function signIn(page: Page) {
  await page.fill('#login_id', student.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
}

/** Signs in from /account/security with a code of `app`, trusts the browser, and lands back on the page. */
async function signInWithCode(context: BrowserContext, app: { totp: TOTP }, timestamp: number): Promise<Page> {
  const page = await context.newPage();
  await page.goto(securityUrl());
  expect(page.url()).toContain('/interaction/');
  await signIn(page);
  // The person has authenticator apps: the account pages step the session up to a second factor.
  await page.waitForSelector('#code');
  await page.fill('#code', app.totp.generate({ timestamp }));
  await page.press('#code', 'Enter');
  await page.getByRole('button', { name: 'Trust' }).click();
  await page.waitForURL(securityUrl());
  return page;
}

const trustIdIn = async (context: BrowserContext) =>
  (await context.cookies(server.url)).find((cookie) => cookie.name === 'campus_device')?.value.split('.')[0] ?? '';

const wrongCode = (now: number) => {
  const valid = new Set(apps.flatMap(({ totp }) => [-1, 0, 1, 2].map((step) => totp.generate({ timestamp: now + step * 30_000 }))));
  return ['123456', '654321', '111111'].find((code) => !valid.has(code)) ?? '222222';
};

it('manages factors, recovery codes and trusted browsers behind a fresh proof', async () => {
  const t0 = Date.now();
  const laptop = await chromium.newContext({ locale: 'en-US' });
  const other = await chromium.newContext({ locale: 'en-US' });

  // Signed out: /account/security goes through the sign-in (and the second factor) and comes back.
  const page = await signInWithCode(laptop, apps[0]!, t0);
  await (await signInWithCode(other, apps[1]!, t0)).close();
  await page.reload();
  expect(await page.locator('h1').innerText()).toBe('Security');
  const [phone, tablet] = apps as [typeof apps[0], typeof apps[0]];
  expect(await page.locator(`#factor-${phone.id} .label`).innerText()).toBe('Phone');
  expect(await page.locator(`#factor-${tablet.id}`).innerText()).toContain('Authenticator app');
  expect(await page.locator('#recovery-left').innerText()).toContain('10');
  const laptopTrust = await trustIdIn(laptop);
  const otherTrust = await trustIdIn(other);
  expect(await page.locator(`#browser-${laptopTrust}`).innerText()).toContain('This browser');
  expect(await page.locator(`#browser-${otherTrust}`).innerText()).toContain('HeadlessChrome');

  // A post without the form's CSRF token changes nothing.
  const forged = await page.request.post(`${server.url}/account/security/factors/${tablet.id}/remove`, { form: { confirm: '1' }, maxRedirects: 0 });
  expect(forged.status()).toBe(403);
  expect(forged.headers()['cache-control']).toBe('no-store');
  const forgedRevoke = await page.request.post(`${server.url}/account/security/browsers/revoke-all`, { form: {}, maxRedirects: 0 });
  expect(forgedRevoke.status()).toBe(403);
  expect(await server.services.prisma.deviceTrust.count({ where: { userId } })).toBe(2);

  // Revoking the other browser: its next sign-in asks for the second factor again.
  await page.locator(`#browser-${otherTrust}`).getByRole('button', { name: 'Stop trusting' }).click();
  await page.waitForURL(/done=browserRevoked/);
  expect(await page.getByRole('status').innerText()).toContain('no longer trusted');
  expect(await page.locator(`#browser-${otherTrust}`).count()).toBe(0);
  await other.clearCookies({ name: /^_session/ });
  const again = await other.newPage();
  await again.goto(securityUrl());
  await signIn(again);
  await again.waitForSelector('#code');
  expect(await again.locator('h1').innerText()).toBe('Second factor');

  // Removing a factor without a fresh proof asks to confirm; a wrong code is refused and nothing is removed.
  await page.locator(`#factor-${tablet.id}`).getByRole('button', { name: 'Remove' }).click();
  await page.waitForSelector('#password');
  expect(await page.locator('h1').innerText()).toBe('Confirm it is you');
  expect(await page.locator('main').innerText()).toContain('remove “Tablet”');
  await page.fill('#code', wrongCode(t0));
  await page.press('#code', 'Enter');
  await page.waitForSelector('#confirm-error:not([hidden])');
  expect(await page.getByRole('alert').innerText()).toContain('That code or password is not right');
  expect(await server.services.prisma.factor.count({ where: { userId, kind: 'totp' } })).toBe(2);

  // The right code removes it, and ends every trusted browser (this one too).
  await page.fill('#code', phone.totp.generate({ timestamp: t0 + 30_000 }));
  await page.press('#code', 'Enter');
  await page.waitForURL(/done=removed/);
  expect(await page.locator(`#factor-${tablet.id}`).count()).toBe(0);
  expect(await page.locator(`#factor-${phone.id}`).count()).toBe(1);
  expect(await server.services.prisma.deviceTrust.count({ where: { userId } })).toBe(0);
  expect(await page.locator('#browsers').count()).toBe(0);

  // An empty name is refused with a clear message; nothing changes.
  await page.fill(`#label-${phone.id}`, '   ');
  await page.locator(`#factor-${phone.id}`).getByRole('button', { name: 'Rename' }).click();
  await page.waitForSelector(`#rename-error-${phone.id}`);
  expect(await page.locator(`#rename-error-${phone.id}`).innerText()).toBe('Enter a name.');
  expect((await server.services.prisma.factor.findUniqueOrThrow({ where: { id: phone.id } })).label).toBe('Phone');

  // A good name: the proof from a minute ago still counts (five minutes, this session), so no second prompt.
  await page.fill(`#label-${phone.id}`, '  My   phone ');
  await page.locator(`#factor-${phone.id}`).getByRole('button', { name: 'Rename' }).click();
  await page.waitForURL(/done=renamed/);
  expect(await page.locator(`#factor-${phone.id} .label`).innerText()).toBe('My phone');

  // New recovery codes: ten, shown once; the old ones stop working.
  await page.getByRole('button', { name: 'Create new recovery codes' }).click();
  await page.waitForSelector('ol.recovery-codes');
  const fresh = await page.locator('ol.recovery-codes li').allInnerTexts();
  expect(fresh).toHaveLength(10);
  expect(await server.services.recovery.consume(userId, oldRecoveryCodes[0]!)).toBe(false);
  expect(await server.services.recovery.consume(userId, fresh[0]!.trim())).toBe(true);

  expect(notices).toEqual(['me:trusted_devices_revoked', 'me:factor_removed', 'me:factor_renamed', 'me:recovery_codes_regenerated']);
  // Each change is in the audit trail as well, in order.
  const trail = await server.services.prisma.authEvent.findMany({ where: { userId, type: { startsWith: 'factor.' } }, orderBy: { createdAt: 'asc' }, select: { type: true } });
  expect(trail.map((event) => event.type)).toEqual(['factor.trusted_browsers_revoked', 'factor.removed', 'factor.renamed', 'factor.recovery_codes_replaced']);

  // /account says who is signed in; signing out of the provider ends access to the account pages.
  await page.goto(`${server.url}/account`);
  expect(await page.locator('#signed-in-as').innerText()).toContain(student.username);
  await page.getByRole('link', { name: 'Sign out' }).click();
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForLoadState();
  await page.goto(securityUrl());
  expect(page.url()).toContain('/interaction/');
  expect(await page.locator('#login_id').count()).toBe(1);
  await laptop.close();
  await other.close();
});

it('ends every trusted browser when an authenticator app is added', async () => {
  await server.services.deviceTrust.trust(userId, 'some browser');
  expect(await server.services.prisma.deviceTrust.count({ where: { userId } })).toBe(1);
  await bindApp('Spare phone');
  expect(await server.services.prisma.deviceTrust.count({ where: { userId } })).toBe(0);
});
