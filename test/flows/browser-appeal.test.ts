// Lost-phone appeal end to end in Chromium (issue #8): the person appeals with an uploaded ID photo → a reviewer
// (signed in with an authenticator code) sees the photo and rejects with a note → the person reads the note,
// edits and resubmits → the reviewer approves → the person's session has ended; at the next sign-in they bind a
// new login phone and security phone with the codes from the SMS outbox. No CSP violation on any page.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, Page } from 'playwright-core';
import { collectCspViolations, hasChromium, launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { freshCode, seedStaff, type SeededStaff } from '../helpers/admin.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';

/** A real 1×1 PNG, so the evidence viewer can show it. */
const photo = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');
const oldPhones = { login_phone: '+8613911112222', security_phone: '+8613911113333' };
const newPhones = { login_phone: '+8613922224444', security_phone: '+8613922225555' };

let server: TestServer;
let chromium: ChromiumBrowser;
let reviewer: SeededStaff;
let userId: string;

beforeAll(async () => {
  server = await startTestServer();
  const user = await seedStudent(server.services.prisma, { username: 'b-appeal', cardNumber: 'C-b-appeal', email: 'b-appeal@example.edu' });
  userId = user.id;
  for (const [role, value] of Object.entries(oldPhones)) await server.services.prisma.contactPoint.create({ data: { userId, role, value, verifiedAt: new Date() } });
  reviewer = await seedStaff(server, { username: 'b-reviewer', roles: ['reviewer'], scopes: [{ kind: 'department', value: 'Physics' }] });
  if (hasChromium) chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

async function signIn(page: Page, username: string) {
  await page.fill('#login_id', username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
}

const smsCode = async (phone: string) => {
  const sms = server.services.sms as MemorySms;
  await expect.poll(() => sms.messages().some((message) => message.phone === phone && message.template === 'verification_code')).toBe(true);
  const message = [...sms.messages()].reverse().find((sent) => sent.phone === phone && sent.template === 'verification_code');
  return message?.template === 'verification_code' ? message.params.code : '';
};

// Needs Debian chromium; .ci/run installs it.
it.skipIf(!hasChromium)('appeal with upload → rejected with a note → edited and resubmitted → approved → new phone bound at sign-in', async () => {
  const person = await (await chromium.newContext({ locale: 'en-US' })).newPage();
  const staff = await (await chromium.newContext({ locale: 'en-US' })).newPage();
  const violations = collectCspViolations(person);
  const staffViolations = collectCspViolations(staff);

  // The person signs in with the password alone and fills in the appeal, keyboard-reachable fields and all.
  await person.goto(`${server.url}/account/appeal`);
  await signIn(person, 'b-appeal');
  await person.waitForSelector('form.appeal-form');
  expect(await person.textContent('h1')).toBe('Lost-phone appeal');
  await person.getByLabel('My phone is lost').check();
  await person.fill('#reason_text', 'Left it on the 12 bus');
  await person.getByLabel('Login phone').check();
  await person.getByLabel('Security phone').check();
  await person.setInputFiles('#documents', { name: 'student-card.png', mimeType: 'image/png', buffer: photo });
  await person.fill('#organisation', 'Physics');
  await person.fill('#contact_phone', '13700009999');
  await person.fill('#password', student.password);
  await person.click('button.primary');
  await person.waitForURL(/\/account\/appeal\?done=opened$/);
  expect(await person.textContent('main')).toContain('Waiting for a reviewer. Nothing has changed on your account yet.');

  // The reviewer signs in with an authenticator code, finds the appeal and sees the photo.
  await staff.goto(`${server.url}/admin/appeals`);
  await signIn(staff, 'b-reviewer');
  await staff.waitForSelector('#code');
  await staff.fill('#code', await freshCode(server, reviewer));
  await staff.press('#code', 'Enter');
  if (await staff.getByRole('button', { name: 'Not now' }).count()) await staff.getByRole('button', { name: 'Not now' }).click();
  await staff.waitForURL(`${server.url}/admin/appeals`);
  await staff.getByRole('link', { name: 'Review' }).click();
  await staff.waitForSelector('ul.evidence img');
  await expect.poll(() => staff.locator('ul.evidence img').evaluate((image: HTMLImageElement) => image.naturalWidth)).toBe(1);
  await staff.fill('#appeal-note', 'The card photo is too small to read. Please send a clearer photo.');
  await staff.getByRole('button', { name: 'Do not approve' }).click();
  await expect.poll(() => staff.textContent('main')).toContain('Not approved: the person was told with your note.');
  expect((await server.services.prisma.contactPoint.count({ where: { userId, role: { in: ['login_phone', 'security_phone'] } } }))).toBe(2);

  // The person reads the note, changes the appeal with a new photo and sends it again.
  await person.goto(`${server.url}/account/appeal`);
  expect(await person.textContent('main')).toContain('The card photo is too small to read. Please send a clearer photo.');
  await person.getByRole('link', { name: 'Change and send again' }).click();
  await person.waitForSelector('form.appeal-form');
  expect(await person.inputValue('#organisation')).toBe('Physics');
  await person.setInputFiles('#documents', { name: 'clearer.png', mimeType: 'image/png', buffer: photo });
  await person.fill('#password', student.password);
  await person.click('button.primary');
  await person.waitForURL(/\/account\/appeal\?done=edited$/);
  expect(await person.textContent('main')).toContain('waiting for a reviewer again');

  // The reviewer approves the new revision.
  await staff.goto(`${server.url}/admin/appeals`);
  await staff.getByRole('link', { name: 'Review' }).click();
  await staff.fill('#appeal-note', 'Card matches the registry.');
  await staff.getByRole('button', { name: 'Approve and unbind' }).click();
  await expect.poll(() => staff.textContent('main')).toContain('Approved: the numbers were unbound');
  expect(await server.services.prisma.contactPoint.count({ where: { userId, role: { in: ['login_phone', 'security_phone'] } } })).toBe(0);

  // The person was signed out everywhere: the next visit asks for the password, then for a new number.
  await person.goto(`${server.url}/account/appeal`);
  await person.waitForSelector('#login_id');
  await signIn(person, 'b-appeal');
  await expect.poll(() => person.textContent('#missing-contact')).toContain('Your login phone is missing.');
  await person.fill('#value', newPhones.login_phone.slice(3));
  await person.click('button.primary');
  await person.waitForSelector('#code');
  await person.fill('#code', await smsCode(newPhones.login_phone));
  await person.press('#code', 'Enter');
  await expect.poll(() => person.textContent('#missing-contact')).toContain('Your security phone is missing.');
  await person.fill('#value', newPhones.security_phone.slice(3));
  await person.click('button.primary');
  await person.waitForSelector('#code');
  await person.fill('#code', await smsCode(newPhones.security_phone));
  await person.press('#code', 'Enter');
  await person.waitForURL(`${server.url}/account/appeal`);
  expect(await person.textContent('main')).toContain('Approved. The numbers were unbound');

  const bound = await server.services.prisma.contactPoint.findMany({ where: { userId, role: { in: ['login_phone', 'security_phone'] } }, orderBy: { role: 'asc' } });
  expect(bound.map((row) => `${row.role}=${row.value}`)).toEqual([`login_phone=${newPhones.login_phone}`, `security_phone=${newPhones.security_phone}`]);
  expect((await server.services.prisma.appeal.findFirstOrThrow({ where: { userId } })).rebindPending).toBe(false);
  expect(violations).toEqual([]);
  expect(staffViolations).toEqual([]);
}, 90_000);
