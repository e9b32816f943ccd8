// End to end with openid-client against the real server: code + PKCE, ID token, userinfo, SSO, prompt=login,
// max_age, wrong password, card numbers, consent for third parties.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as client from 'openid-client';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

let server: TestServer;
let webApp: RelyingParty;
let secondApp: RelyingParty;

beforeAll(async () => {
  server = await startTestServer();
  await seedStudent(server.services.prisma);
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  secondApp = await relyingParty(server.url, 'second-app', 'http://127.0.0.1:9/second');
});
afterAll(async () => server?.destroy());

async function signIn(browser: Browser, rp: RelyingParty = webApp, params: Record<string, string> = {}) {
  const started = await rp.authorize(browser, params);
  expect(started.page.html).toContain('name="password"');
  const done = await submitLogin(browser, started.page, student.username, student.password, rp.redirectUri);
  expect(done.url.startsWith(rp.redirectUri)).toBe(true);
  return rp.callback(done.url, { ...started, maxAge: params.max_age ? Number(params.max_age) : undefined });
}

describe('authorization code flow with PKCE', () => {
  it('signs a student in, with a valid ID token and userinfo', async () => {
    const browser = new Browser();
    // acr_values is voluntary here: a password sign-in answers it with the password class.
    const tokens = await signIn(browser, webApp, { acr_values: 'urn:campus-idp:acr:password' });
    const claims = tokens.claims();
    expect(claims?.preferred_username).toBe(student.username);
    expect(claims?.acr).toBe('urn:campus-idp:acr:password');
    const userinfo = await client.fetchUserInfo(webApp.config, tokens.access_token, claims!.sub);
    expect(userinfo).toMatchObject({ name: student.displayName, preferred_username: student.username, email: student.email, email_verified: true });
    // `campus` scope not requested: no campus claims.
    expect(userinfo).not.toHaveProperty('user_type');
  });

  it('always states how the person signed in: acr and amr in the ID token', async () => {
    const tokens = await signIn(new Browser());
    expect(tokens.claims()).toMatchObject({ acr: 'urn:campus-idp:acr:password', amr: ['pwd'] });
  });

  it('releases campus claims under the campus scope', async () => {
    const tokens = await signIn(new Browser(), webApp, { scope: 'openid campus' });
    const userinfo = await client.fetchUserInfo(webApp.config, tokens.access_token, tokens.claims()!.sub);
    expect(userinfo).toMatchObject({ user_type: 'student', department: 'Physics' });
    expect(userinfo).not.toHaveProperty('email');
  });

  it('refuses an authorization request without PKCE, even from a confidential client', async () => {
    const url = client.buildAuthorizationUrl(webApp.config, { redirect_uri: redirectUri, scope: 'openid', state: 's' });
    const page = await new Browser().visit(url.toString(), {}, redirectUri);
    const back = new URL(page.url);
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('error_description')).toMatch(/PKCE/);
  });

  it('refuses the plain PKCE method', async () => {
    const url = client.buildAuthorizationUrl(webApp.config, {
      redirect_uri: redirectUri, scope: 'openid', state: 's', code_challenge: 'a'.repeat(43), code_challenge_method: 'plain',
    });
    const page = await new Browser().visit(url.toString(), {}, redirectUri);
    expect(new URL(page.url).searchParams.get('error')).toBe('invalid_request');
  });

  it('never redirects to an unregistered redirect_uri', async () => {
    const url = client.buildAuthorizationUrl(webApp.config, {
      redirect_uri: 'https://evil.example/cb', scope: 'openid', code_challenge: 'a'.repeat(43), code_challenge_method: 'S256',
    });
    const response = await new Browser().request(url.toString());
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('single sign-on', () => {
  it('signs in to a second app without asking for the password again', async () => {
    const browser = new Browser();
    const first = await signIn(browser);
    const second = await secondApp.authorize(browser);
    expect(second.page.url.startsWith(secondApp.redirectUri)).toBe(true);
    const tokens = await secondApp.callback(second.page.url, second);
    expect(tokens.claims()?.sub).toBe(first.claims()?.sub);
    expect(tokens.claims()?.auth_time).toBe(first.claims()?.auth_time);
  });

  it('prompt=login asks for the password again and records a new auth_time', async () => {
    const browser = new Browser();
    const first = await signIn(browser);
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const again = await signIn(browser, webApp, { prompt: 'login' });
    expect(again.claims()!.auth_time!).toBeGreaterThan(first.claims()!.auth_time!);
  });

  it('max_age re-authenticates once the sign-in is older than allowed', async () => {
    const browser = new Browser();
    const first = await signIn(browser);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    const again = await signIn(browser, webApp, { max_age: '1' });
    expect(again.claims()!.auth_time!).toBeGreaterThan(first.claims()!.auth_time!);
  });

  it('max_age that is still satisfied does not ask again', async () => {
    const browser = new Browser();
    await signIn(browser);
    const second = await webApp.authorize(browser, { max_age: '600' });
    expect(second.page.url.startsWith(redirectUri)).toBe(true);
  });
});

describe('failed sign-in', () => {
  it('answers a wrong password and an unknown login ID with the same message', async () => {
    const browser = new Browser();
    const wrong = await webApp.authorize(browser);
    const wrongPage = await submitLogin(browser, wrong.page, student.username, 'not-the-password', redirectUri);
    const unknown = await webApp.authorize(browser);
    const unknownPage = await submitLogin(browser, unknown.page, 'nobody-here', 'whatever-it-is', redirectUri);
    expect(wrongPage.status).toBe(401);
    expect(unknownPage.status).toBe(401);
    const message = (html: string) => /role="alert"[^>]*>([\s\S]*?)</.exec(html)?.[1]?.trim();
    expect(message(wrongPage.html)).toBeTruthy();
    expect(message(wrongPage.html)).toBe(message(unknownPage.html));
    // The login ID typed is kept so the person only retypes the password.
    expect(wrongPage.html).toContain(`value="${student.username}"`);
  });

  it('explains that a campus card number is not a login ID', async () => {
    const browser = new Browser();
    const started = await webApp.authorize(browser);
    const page = await submitLogin(browser, started.page, student.cardNumber, 'whatever-it-is', redirectUri);
    expect(page.status).toBe(401);
    expect(page.html).toMatch(/campus card number/i);
  });

  it('shows the sign-in page in Chinese for a zh-CN browser', async () => {
    const browser = new Browser('zh-CN,zh;q=0.9');
    const started = await webApp.authorize(browser);
    expect(started.page.html).toContain('lang="zh-CN"');
    expect(started.page.html).toMatch(/登录/);
  });

  it('rejects a sign-in POST without the CSRF token', async () => {
    const browser = new Browser();
    const started = await webApp.authorize(browser);
    const page = await browser.submit(started.page, /\/login$/, { login_id: student.username, password: student.password, _csrf: 'forged' }, redirectUri);
    expect(page.status).toBe(403);
    expect(page.url.startsWith(redirectUri)).toBe(false);
  });
});

describe('third-party clients', () => {
  it('asks for consent, and a refusal returns access_denied to the app', async () => {
    const third = await relyingParty(server.url, 'third-party', 'http://127.0.0.1:9/third', 'third-party-secret-0123456789-abcdefghijk');
    const browser = new Browser();
    const started = await third.authorize(browser);
    const consent = await submitLogin(browser, started.page, student.username, student.password, third.redirectUri);
    expect(consent.html).toContain('Third Party');
    expect(consent.html).toMatch(/\/confirm"/);
    const denied = await browser.submit(consent, /\/abort$/, {}, third.redirectUri);
    expect(new URL(denied.url).searchParams.get('error')).toBe('access_denied');
  });

  it('issues tokens after consent is given', async () => {
    const third = await relyingParty(server.url, 'third-party', 'http://127.0.0.1:9/third', 'third-party-secret-0123456789-abcdefghijk');
    const browser = new Browser();
    const started = await third.authorize(browser);
    const consent = await submitLogin(browser, started.page, student.username, student.password, third.redirectUri);
    const done = await browser.submit(consent, /\/confirm$/, {}, third.redirectUri);
    const tokens = await third.callback(done.url, started);
    expect(tokens.claims()?.preferred_username).toBe(student.username);
  });
});
