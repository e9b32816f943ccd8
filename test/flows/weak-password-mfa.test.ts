// A weak password of someone with a second factor is changed only after that factor: the password alone (perhaps
// leaked, being weak) cannot set a new one. The mfa prompt is demanded even by an app that would not ask for it.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Secret, TOTP } from 'otpauth';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent } from '../helpers/users.ts';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => server?.destroy());

it('asks for the second factor first, then for a new password, then signs in', async () => {
  const weak = 'Short-Pass-1';
  const strong = 'lantern orbit violet teacup';
  const user = await seedStudent(server.services.prisma, { username: 'weak-mfa', password: weak });
  const { secret } = await server.services.totp.startEnrollment('weak-mfa');
  const totp = new TOTP({ secret: Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });
  expect(await server.services.totp.confirmEnrollment(user.id, secret, totp.generate({ timestamp: Date.now() - 30_000 }), 'Phone app')).toBe(true);
  const app = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);

  const browser = new Browser();
  const request = await app.authorize(browser);
  const mfa = await submitLogin(browser, request.page, 'weak-mfa', weak, redirectUri);
  // No password form before the second factor, and posting one anyway changes nothing.
  expect(mfa.html).toContain('autocomplete="one-time-code"');
  expect(mfa.html).not.toContain('new_password');
  const uid = /\/interaction\/([^/"]+)\/mfa/.exec(mfa.html)![1]!;
  const early = await browser.request(`${server.url}/interaction/${uid}/password`, {
    form: { _csrf: /name="_csrf" value="([^"]+)"/.exec(mfa.html)![1]!, new_password: strong, confirm_password: strong },
  });
  expect(early.status).toBe(400);
  expect((await server.services.accounts.authenticate('weak-mfa', weak)).ok).toBe(true);

  const question = await browser.submit(mfa, /\/mfa$/, { code: totp.generate() });
  const change = await browser.submit(question, /\/trust$/, { trust: 'no' }, redirectUri);
  expect(change.html).toContain('new_password');
  const done = await browser.submit(change, /\/password$/, { new_password: strong, confirm_password: strong }, redirectUri);
  expect(done.url.startsWith(redirectUri)).toBe(true);
  const claims = (await app.callback(done.url, request)).claims()!;
  expect(claims.amr).toEqual(['pwd', 'otp']);
  expect((await server.services.accounts.authenticate('weak-mfa', strong)).ok).toBe(true);
  expect((await server.services.accounts.authenticate('weak-mfa', weak)).ok).toBe(false);
});
