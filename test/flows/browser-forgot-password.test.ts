// Forgot password in Chromium: the ALTCHA widget solves its proof of work in the browser under our CSP, is reached
// and ticked with the keyboard, speaks the page's language; then the texted code leads to the new-password page
// and its strength meter.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent } from '../helpers/users.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import type { MemoryEmail } from '../../src/connectors/email/memory.ts';

const phone = '+8613900001234';
let server: TestServer;
let chromium: ChromiumBrowser;

beforeAll(async () => {
  server = await startTestServer({ CAPTCHA_MAX_NUMBER: '20000' });
  const user = await seedStudent(server.services.prisma, { username: '20251234', cardNumber: 'C-20251234', email: 'b@example.edu' });
  await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: phone, verifiedAt: new Date() } });
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

it('goes from the captcha, solved in the browser, through the texted code to the password meter', async () => {
  const context = await chromium.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    // Failed loads are judged by their responses below (the refused submission's 400 is expected).
    if ((message.type() === 'error' && !/^Failed to load resource/.test(message.text())) || /Content Security Policy/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  context.on('response', (response) => {
    if (response.status() === 404 && !response.url().endsWith('/favicon.ico')) problems.push(`404 ${response.url()}`);
  });

  await page.goto(`${server.url}/forgot-password`);
  await expect.poll(() => page.locator('altcha-widget').textContent()).toContain('我不是机器人');

  // Without the proof of work the form is refused and the ID kept.
  await page.fill('#login_id', '20251234');
  await page.evaluate('document.querySelector("form[action=\\"/forgot-password\\"]").submit()');
  await page.waitForLoadState();
  await expect.poll(() => page.locator('#reset-error').textContent()).toContain('我不是机器人');
  expect(await page.inputValue('#login_id')).toBe('20251234');

  // Keyboard only: from the ID field, Tab reaches the widget's checkbox and Space ticks it.
  await page.focus('#login_id');
  await page.keyboard.press('Tab');
  expect(await page.evaluate('document.activeElement?.closest("altcha-widget") !== null')).toBe(true);
  await page.keyboard.press('Space');
  await expect.poll(() => page.locator('altcha-widget').textContent(), { timeout: 20_000 }).toContain('已验证');
  expect(await page.locator('input[name="altcha"]').inputValue()).not.toBe('');
  await page.click('button.primary');

  await page.waitForURL(`${server.url}/forgot-password`);
  expect(await page.textContent('h1')).toBe('验证码发送到哪里？');
  await page.click('button.primary');
  await expect.poll(() => page.textContent('h1')).toBe('输入验证码');
  const sms = server.services.sms as MemorySms;
  await expect.poll(() => sms.messages().some((message) => message.phone === phone)).toBe(true);
  const code = String([...sms.messages()].reverse().find((message) => message.phone === phone)!.params.code);
  await page.fill('#code', code);
  await page.press('#code', 'Enter');

  // The verified phone is also this person's second factor: a second proof comes from the other channel.
  await expect.poll(() => page.textContent('h1')).toBe('再验证一次');
  const mail = server.services.email as MemoryEmail;
  const mailed = mail.messages().length;
  await page.getByRole('button', { name: '向另一个绑定的邮箱发送验证码' }).click();
  await expect.poll(() => mail.messages().slice(mailed).some((message) => message.to === 'b@example.edu')).toBe(true);
  const mailedCode = /\b(\d{6})\b/.exec(mail.messages().slice(mailed).find((message) => message.to === 'b@example.edu')!.text)![1]!;
  await page.fill('#code-email', mailedCode);
  await page.press('#code-email', 'Enter');

  await expect.poll(() => page.textContent('h1')).toBe('设置新密码');
  await page.fill('#new_password', 'abc');
  const weak = Number(await page.getAttribute('#password-meter', 'value'));
  await page.fill('#new_password', 'Quiet-Lantern-Orbit-42');
  await expect.poll(async () => Number(await page.getAttribute('#password-meter', 'value'))).toBeGreaterThan(weak);
  expect(await page.isVisible('#password-meter')).toBe(true);

  expect(problems).toEqual([]);
  await context.close();
});
