// Failed sign-ins are limited per account; the limited answer looks exactly like a wrong password, and the
// lockout is in the audit trail.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let webApp: RelyingParty;

beforeAll(async () => {
  server = await startTestServer({ LOGIN_LIMIT_PER_ACCOUNT: '3' });
  await seedStudent(server.services.prisma);
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
});
afterAll(async () => server?.destroy());

it('blocks the right password after too many wrong ones, with the wrong-password message', async () => {
  const browser = new Browser();
  let last = '';
  for (let attempt = 0; attempt < 3; attempt++) {
    const started = await webApp.authorize(browser);
    const page = await submitLogin(browser, started.page, student.username, `wrong-${attempt}-password`, redirectUri);
    expect(page.status).toBe(401);
    last = page.html;
  }
  const started = await webApp.authorize(browser);
  const blocked = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
  expect(blocked.status).toBe(401);
  expect(blocked.url.startsWith(redirectUri)).toBe(false);
  const alert = (html: string) => /role="alert"[^>]*>([\s\S]*?)</.exec(html)?.[1];
  expect(alert(blocked.html)).toBe(alert(last));
  // The audit trail has the lockout once, at the failure that caused it (blocked attempts add no rows).
  const user = await server.services.prisma.user.findUniqueOrThrow({ where: { username: student.username } });
  const trail = await server.services.prisma.authEvent.findMany({ where: { userId: user.id }, orderBy: { createdAt: 'asc' }, select: { type: true } });
  expect(trail.map((event) => event.type).sort()).toEqual(['sign_in.failed', 'sign_in.failed', 'sign_in.failed', 'sign_in.locked']);
});

it('does not limit other accounts because one is limited', async () => {
  await seedStudent(server.services.prisma, { username: '20230002', cardNumber: 'C2', email: 'b@example.edu' });
  const browser = new Browser();
  const started = await webApp.authorize(browser);
  const done = await submitLogin(browser, started.page, '20230002', student.password, redirectUri);
  expect(done.url.startsWith(redirectUri)).toBe(true);
});

// Security review: the login phone signs in under many spellings; each must not get its own counter.
describe('a login phone typed in different spellings', () => {
  const seedWithPhone = async (username: string, phone: string) => {
    const user = await seedStudent(server.services.prisma, { username, cardNumber: `C-${username}`, email: `${username}@example.edu` });
    await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'login_phone', value: phone, verifiedAt: new Date() } });
  };

  it('counts every spelling against one limit on the sign-in page', async () => {
    await seedWithPhone('20230010', '+8613812345678');
    const browser = new Browser();
    for (const [attempt, spelling] of ['13812345678', '138-1234-5678', '+8613812345678'].entries()) {
      const started = await webApp.authorize(browser);
      expect((await submitLogin(browser, started.page, spelling, `wrong-${attempt}-password`, redirectUri)).status).toBe(401);
    }
    const started = await webApp.authorize(browser);
    const blocked = await submitLogin(browser, started.page, '008613812345678', student.password, redirectUri);
    expect(blocked.status).toBe(401);
    expect(blocked.url.startsWith(redirectUri)).toBe(false);
  });

  it('counts every spelling against one limit on CAS REST', async () => {
    await seedWithPhone('20230011', '+8613912345678');
    const tgt = (loginId: string, password: string) =>
      fetch(`${server.url}/cas/v1/tickets`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ username: loginId, password }), redirect: 'manual' });
    expect((await tgt('139 1234 5678', student.password)).status).toBe(201);
    for (const spelling of ['13912345678', '139-1234-5678', '+8613912345678']) expect((await tgt(spelling, 'wrong-password-here')).status).toBe(401);
    expect((await tgt('008613912345678', student.password)).status).toBe(401);
  });
});
