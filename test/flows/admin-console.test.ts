// The admin console's door: only staff enter, only with a second factor in the session (a password-only session is
// stepped up; a staff member without any factor is told to enrol one), each section only for its roles, no-store
// on every page, CSRF on every form.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { startTestServer, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { seedStaff, signInStaff } from '../helpers/admin.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

it('lets an administrator in only after the second factor, and refuses people without a staff role', async () => {
  const admin = await seedStaff(server, { username: 'door-admin', roles: ['admin'] });
  const browser = new Browser();
  const login = await browser.visit(`${server.url}/admin`);
  expect(login.url).toContain('/interaction/');
  const mfa = await browser.submit(login, /\/login$/, { login_id: admin.username, password: student.password });
  // Password alone is not enough: the code is asked before the console opens.
  expect(mfa.html).toContain('autocomplete="one-time-code"');
  const { page } = await signInStaff(server, admin);
  expect(page.status).toBe(200);
  expect(page.url).toBe(`${server.url}/admin`);
  expect(page.html).toContain('Admin console');
  expect(page.html).toContain('href="/admin"');
  expect(page.html).toContain('aria-current="page"');
  const response = await browser.request(`${server.url}/admin`);
  expect(response.headers.get('cache-control')).toBe('no-store');
  await response.arrayBuffer();

  await seedStudent(server.services.prisma, { username: 'door-student', cardNumber: 'DS1', email: 'ds@example.edu' });
  const student1 = new Browser();
  const refused = await student1.submit(await student1.visit(`${server.url}/admin`), /\/login$/, { login_id: 'door-student', password: student.password });
  expect(refused.status).toBe(403);
  expect(refused.html).toContain('for administrators, reviewers and help-desk staff');
  expect(refused.html).not.toContain('href="/admin/users"');
});

it('tells a staff member without a second factor to enrol one, in Chinese too', async () => {
  const helper = await seedStaff(server, { username: 'door-nofactor', roles: ['helpdesk'], totp: false });
  const browser = new Browser('zh-CN');
  const page = await browser.submit(await browser.visit(`${server.url}/admin`), /\/login$/, { login_id: helper.username, password: student.password });
  expect(page.status).toBe(403);
  expect(page.html).toContain('请先设置第二重验证');
  expect(page.html).toContain('href="/account/security"');
});
