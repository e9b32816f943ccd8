// Failed sign-ins are limited per account; the limited answer looks exactly like a wrong password.
import { afterAll, beforeAll, expect, it } from 'vitest';
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
});

it('does not limit other accounts because one is limited', async () => {
  await seedStudent(server.services.prisma, { username: '20230002', cardNumber: 'C2', email: 'b@example.edu' });
  const browser = new Browser();
  const started = await webApp.authorize(browser);
  const done = await submitLogin(browser, started.page, '20230002', student.password, redirectUri);
  expect(done.url.startsWith(redirectUri)).toBe(true);
});
