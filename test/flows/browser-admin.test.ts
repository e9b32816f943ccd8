// The admin console in Chromium, keyboard only: sign in with password and TOTP code, find a person, disable the
// account with a reason; the page says so, the audit trail has the row, and no page broke the CSP.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import { collectCspViolations, launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { freshCode, seedStaff, type SeededStaff } from '../helpers/admin.ts';

let server: TestServer;
let chromium: ChromiumBrowser;
let admin: SeededStaff;
let personId: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await seedStaff(server, { username: 'kbd-admin', roles: ['admin'] });
  personId = (await seedStudent(server.services.prisma, { username: '20260099', cardNumber: 'K99', email: 'k99@example.edu', displayName: '赵敏 Zhao Min' })).id;
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

const focused = (page: Page) => page.evaluate<string>('(() => { const e = document.activeElement; return e ? `${e.tagName.toLowerCase()}#${e.id}[${e.getAttribute("name") ?? ""}]${e.getAttribute("href") ?? ""}|${(e.textContent ?? "").trim()}` : ""; })()');

/** Presses Tab until the focused element's description matches, as a keyboard user would. */
async function tabTo(page: Page, target: RegExp, limit = 40): Promise<void> {
  for (let presses = 0; presses < limit; presses++) {
    if (target.test(await focused(page))) return;
    await page.keyboard.press('Tab');
  }
  throw new Error(`no focusable element matching ${target}; last: ${await focused(page)}`);
}

it('signs in with a TOTP code, finds a person and disables the account, all from the keyboard', async () => {
  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const violations = collectCspViolations(page);

  await page.goto(`${server.url}/admin`);
  await tabTo(page, /\[login_id\]/);
  await page.keyboard.type(admin.username);
  await tabTo(page, /\[password\]/);
  await page.keyboard.type(student.password);
  await page.keyboard.press('Enter');

  // The console demands the second factor.
  await page.waitForSelector('#code');
  await tabTo(page, /#code\[code\]/);
  await page.keyboard.type(await freshCode(server, admin));
  await page.keyboard.press('Enter');
  await page.waitForSelector('button[name="trust"]');
  await tabTo(page, /^button#\[trust\]\|(Not now|No)/i);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.url}/admin`);
  expect(await page.locator('h1').innerText()).toBe('Admin console');

  // The skip link is the first thing in the page body a keyboard reaches after the language switch.
  await tabTo(page, /a#\[\]#admin-content/);
  await tabTo(page, /a#\[\]\/admin\/users\|Users/);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.url}/admin/users`);
  // The search field has the focus on arrival.
  expect(await focused(page)).toMatch(/input#q\[q\]/);
  await page.keyboard.type('Zhao Min');
  await page.keyboard.press('Enter');
  await page.waitForSelector(`a[href="/admin/users/${personId}"]`);
  await tabTo(page, new RegExp(`/admin/users/${personId}\\|20260099`));
  await page.keyboard.press('Enter');
  await page.waitForURL(`${server.url}/admin/users/${personId}`);

  await tabTo(page, /textarea#reason-disable\[reason\]/);
  await page.keyboard.type('Account shared with a classmate, confirmed by the class teacher');
  await tabTo(page, /^button#\[\]\|Disable the account/);
  await page.keyboard.press('Enter');
  await page.waitForURL(/\?done=disable/);
  expect(await page.locator('#notice').innerText()).toBe('The account is disabled and signed out everywhere.');
  expect(await page.locator('#user-status').innerText()).toContain('Disabled');

  const rows = await server.services.prisma.authEvent.findMany({ where: { type: 'admin.disable' } });
  expect(rows).toHaveLength(1);
  expect(rows[0]!.detail).toMatchObject({ reason: 'Account shared with a classmate, confirmed by the class teacher', actor: 'kbd-admin', target: '20260099' });
  expect((await server.services.prisma.user.findUniqueOrThrow({ where: { id: personId } })).status).toBe('disabled');
  expect(violations).toEqual([]);
  await context.close();
});
