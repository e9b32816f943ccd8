// A restart keeps users, signing keys, SSO sessions and refresh tokens (embedded PGlite file, or PostgreSQL +
// Redis when configured).
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
  await seedStudent(server.services.prisma);
});
afterAll(async () => server?.destroy());

it('keeps users, keys, sessions and refresh tokens across a restart', async () => {
  const browser = new Browser();
  const before = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  const started = await before.authorize(browser);
  const done = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
  const tokens = await before.callback(done.url, started);
  const kidsBefore = ((await (await fetch(`${server.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);

  await server.stop();
  server = await server.restart();

  const kidsAfter = ((await (await fetch(`${server.url}/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((key) => key.kid);
  expect(kidsAfter).toEqual(kidsBefore);
  const after = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  // The refresh token issued before the restart still works.
  const refreshed = await client.refreshTokenGrant(after.config, tokens.refresh_token!);
  expect(refreshed.access_token).toBeTruthy();
  // The SSO session survived: the same browser is signed in without a password.
  const sso = await after.authorize(browser);
  expect(sso.page.url.startsWith(redirectUri)).toBe(true);
  const ssoTokens = await after.callback(sso.page.url, sso);
  expect(ssoTokens.claims()?.sub).toBe(tokens.claims()?.sub);
  // The user is still there for a new browser too.
  const fresh = new Browser();
  const second = await after.authorize(fresh);
  const again = await submitLogin(fresh, second.page, student.username, student.password, redirectUri);
  expect(again.url.startsWith(redirectUri)).toBe(true);
});
