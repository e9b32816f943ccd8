// /account/security counts every kind of second factor: a person whose factors are a texted phone and a passkey
// must show one to get in, sees the passkey in the list, and removes it behind a fresh proof.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

it('steps up with a texted code, lists the passkey, and removes it after the password is confirmed', async () => {
  const { prisma } = server.services;
  const user = await seedStudent(prisma);
  const phone = '+8613800138000';
  await prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: phone, verifiedAt: new Date() } });
  const passkey = await prisma.passkey.create({ data: { userId: user.id, credentialId: 'cred-1', publicKey: 'pk', label: 'YubiKey 5' } });

  const browser = new Browser();
  const login = await browser.visit(`${server.url}/account/security`);
  const mfa = await browser.submit(login, /\/login$/, { login_id: student.username, password: student.password });
  expect(mfa.html).toContain('Text a code to 138****8000');
  const sent = await browser.submit(mfa, /\/mfa\/sms$/, {});
  const message = (server.services.sms as MemorySms).messages().at(-1);
  const question = await browser.submit(sent, /\/mfa$/, { code: message?.template === 'verification_code' ? message.params.code : '' });
  const security = await browser.submit(question, /\/trust$/, { trust: 'no' });
  expect(security.url).toBe(`${server.url}/account/security`);
  expect(security.html).toContain('YubiKey 5');
  expect(security.html).toContain('Passkey');

  const confirm = await browser.submit(security, new RegExp(`/factors/${passkey.id}/remove$`), {});
  expect(confirm.html).toContain('name="password"');
  expect(await prisma.passkey.count({ where: { userId: user.id } })).toBe(1);
  const done = await browser.submit(confirm, new RegExp(`/factors/${passkey.id}/remove$`), { password: student.password });
  expect(done.status).toBe(200);
  expect(done.html).not.toContain('YubiKey 5');
  expect(await prisma.passkey.count({ where: { userId: user.id } })).toBe(0);
});
