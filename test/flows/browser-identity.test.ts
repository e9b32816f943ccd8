// The identity reviewer flow in Chromium, by keyboard: the reviewer signs in to /admin/identity (password + code),
// sees the pending record with what differs from the registry, types a note and returns the record; the pupil's
// archive page then shows the note, in Chinese, and the pupil corrects the record by keyboard until it is verified.
// No Content-Security-Policy violation on any page.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { collectCspViolations, hasChromium, launchChromium } from '../helpers/chromium.ts';
import { Browser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { freshCode, seedStaff } from '../helpers/admin.ts';
import { importRegistryFromCsv } from '../../src/services/registry-import.ts';
import { checkCharacter, createIdNumberHasher } from '../../src/services/national-id.ts';

const registryKey = randomBytes(32);
const id = '32010620090909001' + checkCharacter('32010620090909001');
let server: TestServer;
let chromium: ChromiumBrowser;

beforeAll(async () => {
  server = await startTestServer({ REGISTRY_KEY: registryKey.toString('base64') });
  await importRegistryFromCsv(server.services.prisma, createIdNumberHasher(registryKey), `name,id_number,school,grade,class,enrolment_year,guardian_phone\n孙悟空,${id},Hill School,Grade 8,Class 2,2022,13700000001\n`);
  if (hasChromium) chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

// Needs Debian chromium; .ci/run installs it.
it.skipIf(!hasChromium)('a reviewer returns a record with a note by keyboard; the pupil reads it and corrects the record', async () => {
  await seedStudent(server.services.prisma, { username: 'pupil-sun', cardNumber: 'PS1', email: 'ps@example.edu', displayName: '孙悟空' });
  // The pupil typed the wrong class: it goes to the reviewer of Class 3.
  const pupilHttp = new Browser();
  const archive = await pupilHttp.submit(await pupilHttp.visit(`${server.url}/account/identity`), /\/login$/, { login_id: 'pupil-sun', password: student.password });
  const sent = await pupilHttp.submit(archive, /\/account\/identity$/, {
    name: '孙悟空', id_number: id, school: 'Hill School', grade: 'Grade 8', class: 'Class 3', enrolment_year: '2022', guardian_name: '唐僧', guardian_phone: '13700000001',
  });
  expect(sent.url).toContain('done=pending');
  const reviewer = await seedStaff(server, { username: 'reviewer-hill', roles: ['reviewer'], scopes: [{ kind: 'class', value: 'Hill School/Grade 8/Class 3' }] });

  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  const violations = collectCspViolations(page);
  await page.goto(`${server.url}/admin/identity`);
  await page.fill('#login_id', reviewer.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
  await page.waitForSelector('#code');
  await page.fill('#code', await freshCode(server, reviewer));
  await page.press('#code', 'Enter');
  const trust = page.getByRole('button', { name: 'Not now' });
  // "Trust this browser?" may be asked after the code: decline it when it comes.
  await Promise.race([page.waitForURL(`${server.url}/admin/identity`), trust.waitFor().then(() => trust.click()).catch(() => undefined)]);
  await page.waitForURL(`${server.url}/admin/identity`);

  const item = page.locator('section.identity-item[data-username="pupil-sun"]');
  await expect(item.innerText()).resolves.toContain('Class: registry has “Class 2”');
  const note = item.locator('textarea[name="reason"]');
  await note.focus();
  await page.keyboard.type('Your class is Class 2 in the registry: please check.');
  await page.keyboard.press('Tab');
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Approve');
  await page.keyboard.press('Tab');
  await expect(page.evaluate(() => document.activeElement?.textContent)).resolves.toBe('Return to the person');
  await page.keyboard.press('Enter');
  await page.waitForSelector('#decision-notice');
  expect(await page.locator('#decision-notice').innerText()).toContain('Done');
  expect(await page.locator('#queue-empty').count()).toBe(1);
  expect(violations).toEqual([]);
  await context.close();

  // The pupil, in Chinese, reads the note and corrects the class by keyboard; the registry then matches.
  const pupilContext = await chromium.newContext({ locale: 'zh-CN' });
  const pupil = await pupilContext.newPage();
  const pupilViolations = collectCspViolations(pupil);
  await pupil.goto(`${server.url}/account/identity`);
  await pupil.fill('#login_id', 'pupil-sun');
  await pupil.fill('#password', student.password);
  await pupil.press('#password', 'Enter');
  await pupil.waitForURL(`${server.url}/account/identity`);
  expect(await pupil.locator('#identity-status').innerText()).toContain('已退回');
  expect(await pupil.locator('#reviewer-note').innerText()).toBe('Your class is Class 2 in the registry: please check.');
  await pupil.fill('#identity-class', 'Class 2');
  await pupil.press('#identity-class', 'Enter');
  await pupil.waitForURL(/done=verified/);
  expect(await pupil.locator('#identity-status').getAttribute('data-status')).toBe('verified');
  expect(await pupil.locator('[role=status]').innerText()).toContain('已核验通过');
  expect(pupilViolations).toEqual([]);
  await pupilContext.close();
});
