// The development outbox on /account/outbox: an administrator reads what would have been texted or e-mailed
// (codes included); anyone else gets "not found", and /account links it only for administrators.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

async function signedInAt(username: string, path: string) {
  const browser = new Browser();
  const login = await browser.visit(`${server.url}${path}`);
  return { browser, page: await browser.submit(login, /\/login$/, { login_id: username, password: student.password }) };
}

it('shows texts and e-mails to an administrator, and nothing to anyone else', async () => {
  const { prisma } = server.services;
  const admin = await seedStudent(prisma, { username: 'ops-1', cardNumber: 'O1', email: 'ops-1@example.edu' });
  await prisma.user.update({ where: { id: admin.id }, data: { roles: ['admin'] } });
  await seedStudent(prisma, { username: 'stu-1', cardNumber: 'S1', email: 'stu-1@example.edu' });
  await server.services.sms.send({ phone: '+8613800001111', template: 'verification_code', params: { code: '482913', minutes: 5 } });
  await server.services.email.send({ to: 'someone@example.org', subject: 'Your code', text: 'Code 771204' });

  const { page: home } = await signedInAt('ops-1', '/account');
  expect(home.html).toContain('href="/account/outbox"');
  const { page: outbox } = await signedInAt('ops-1', '/account/outbox');
  expect(outbox.status).toBe(200);
  expect(outbox.html).toContain('+8613800001111');
  expect(outbox.html).toContain('482913');
  expect(outbox.html).toContain('Code 771204');

  const { page: studentHome } = await signedInAt('stu-1', '/account');
  expect(studentHome.html).not.toContain('/account/outbox');
  const { page: refused } = await signedInAt('stu-1', '/account/outbox');
  expect(refused.status).toBe(404);
  expect(refused.html).not.toContain('482913');
});
