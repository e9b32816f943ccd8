// In Chromium with a virtual authenticator: a passkey bound during forced enrolment, then used as the second
// factor and as a passwordless first factor; replayed and cross-interaction assertions are refused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Browser as ChromiumBrowser, BrowserContext, Page } from 'playwright-core';
import * as client from 'openid-client';
import { launchChromium } from '../helpers/chromium.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';

/** The app's redirect_uri: a real listener (request interception of a redirect to a blocked port proved flaky). */
let callback = '';
let callbackServer: Server;
const phishingResistant = 'urn:campus-idp:acr:phishing-resistant';
const refusedText = 'The passkey could not be verified';
let server: TestServer;
let chromium: ChromiumBrowser;
let mailApp: RelyingParty;
let context: BrowserContext;
let page: Page;
let landed = '';
/** The form bodies the page posted to …/passkey/verify, newest last. */
const verifyPosts: string[] = [];

beforeAll(async () => {
  callbackServer = createServer((req, res) => {
    if (req.url?.startsWith('/mail?')) landed = new URL(req.url, callback).toString();
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>mail</p>');
  });
  await new Promise<void>((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  callback = `http://127.0.0.1:${(callbackServer.address() as AddressInfo).port}/mail`;
  // WebAuthn needs a domain as RP ID (never an IP) and a secure context: http://localhost is both.
  server = await startTestServer({ ISSUER: 'http://localhost:0' }, {
    oidc: [{ client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [callback], first_party: true, mfa: 'required' }],
  });
  await seedStudent(server.services.prisma);
  mailApp = await relyingParty(server.url, 'mail-app', callback, webAppSecret);
  chromium = await launchChromium();
  // One context and one authenticator for the whole file; each sign-in starts by dropping the cookies.
  context = await chromium.newContext({ locale: 'en-US' });
  page = await context.newPage();
  page.setDefaultTimeout(10_000);
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: { protocol: 'ctap2', transport: 'internal', hasResidentKey: true, hasUserVerification: true, isUserVerified: true, automaticPresenceSimulation: true },
  });
  page.on('request', (request) => {
    if (request.method() === 'POST' && request.url().endsWith('/passkey/verify')) verifyPosts.push(request.postData() ?? '');
  });
});
afterAll(async () => {
  await context?.close();
  await chromium?.close();
  await server?.destroy();
  callbackServer?.closeAllConnections();
  callbackServer?.close();
});

async function startSignIn() {
  await context.clearCookies();
  landed = '';
  const verifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const nonce = client.randomNonce();
  const url = client.buildAuthorizationUrl(mailApp.config, {
    redirect_uri: callback, scope: 'openid', state, nonce,
    code_challenge: await client.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
  });
  await page.goto(url.toString());
  return { verifier, state, nonce };
}

async function enterPassword() {
  await page.fill('#login_id', student.username);
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
}

/** Asks for a fresh challenge for this page's interaction, then posts an earlier assertion against it. */
async function postOldAssertion(body: string) {
  const form = page.locator('form[data-passkey]');
  const optionsUrl = new URL((await form.getAttribute('data-options')) ?? '', page.url()).toString();
  const csrf = await form.locator('input[name=_csrf]').inputValue();
  const status = await page.evaluate(async ({ url, csrf }) => {
    const response = await fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, ceremony: 'authenticate' }) });
    await response.text();
    return response.status;
  }, { url: optionsUrl, csrf });
  expect(status).toBe(200);
  const credential = new URLSearchParams(body).get('credential') ?? '';
  await form.locator('input[name=credential]').evaluate((input, value) => input.setAttribute('value', value), credential);
  await Promise.all([page.waitForURL('**/passkey/verify'), form.evaluate((element) => (element as unknown as { submit(): void }).submit())]);
}

/** Runs the authentication ceremony for this page's challenge like passkey.js does, but keeps the answer. */
async function assertionWithoutPosting(): Promise<string> {
  const form = page.locator('form[data-passkey]');
  const optionsUrl = new URL((await form.getAttribute('data-options')) ?? '', page.url()).toString();
  const csrf = await form.locator('input[name=_csrf]').inputValue();
  const credential = await page.evaluate(async ({ url, csrf }) => {
    const response = await fetch(url, { method: 'POST', body: new URLSearchParams({ _csrf: csrf, ceremony: 'authenticate' }) });
    const lib = (globalThis as unknown as { SimpleWebAuthnBrowser: { startAuthentication(o: { optionsJSON: unknown }): Promise<unknown> } }).SimpleWebAuthnBrowser;
    return JSON.stringify(await lib.startAuthentication({ optionsJSON: await response.json() }));
  }, { url: optionsUrl, csrf });
  return new URLSearchParams({ credential }).toString();
}

it('binds a passkey instead of the app during forced enrolment; the ID token says phishing-resistant', async () => {
  const request = await startSignIn();
  await enterPassword();
  await page.waitForSelector('#totp-secret');
  await page.click('#passkey-register');
  await page.waitForSelector('ol.recovery-codes');
  expect(await page.locator('ol.recovery-codes li').count()).toBe(10);
  await page.getByRole('button', { name: 'Not now' }).click();
  await page.waitForURL(`${callback}**`);
  const claims = (await mailApp.callback(landed, request)).claims();
  expect(claims?.acr).toBe(phishingResistant);
  expect(claims?.amr).toEqual(expect.arrayContaining(['pwd', 'hwk']));
  const stored = await server.services.prisma.passkey.findMany();
  expect(stored).toHaveLength(1);
  // The enrolment bound a passkey only: no authenticator app was added on the way.
  expect(await server.services.prisma.factor.count({ where: { kind: 'totp' } })).toBe(0);
});

it('asks for the passkey as second factor next time, and refuses the same assertion posted again', async () => {
  const request = await startSignIn();
  await enterPassword();
  await page.waitForSelector('#passkey-authenticate');
  expect(await page.locator('#totp-secret').count()).toBe(0);
  await page.click('#passkey-authenticate');
  await page.getByRole('button', { name: 'Not now' }).waitFor();
  const assertion = verifyPosts.at(-1) ?? '';

  // The same form body again, in this sign-in: its challenge was used up by the first post.
  const replay = await page.evaluate(async ({ url, body }) => {
    const response = await fetch(url, { method: 'POST', body: new URLSearchParams(body) });
    return { status: response.status, text: await response.text() };
  }, { url: page.url(), body: assertion });
  expect(replay.status).toBe(401);
  expect(replay.text).toContain(refusedText);

  await page.getByRole('button', { name: 'Not now' }).click();
  await page.waitForURL(`${callback}**`);
  const claims = (await mailApp.callback(landed, request)).claims();
  expect(claims?.acr).toBe(phishingResistant);
  expect(claims?.amr).toEqual(expect.arrayContaining(['pwd', 'hwk']));
  expect((await server.services.prisma.passkey.findFirst())?.lastUsedAt).toBeInstanceOf(Date);

  // A new sign-in with its own fresh challenge: the old assertion answers another challenge and is refused.
  await startSignIn();
  await enterPassword();
  await page.waitForSelector('#passkey-authenticate');
  await postOldAssertion(assertion);
  await expect.poll(() => page.locator('#mfa-error').innerText()).toContain(refusedText);
  expect(landed).toBe('');
});

it('signs in without a password with the passkey, which also satisfies the second factor', async () => {
  // An assertion made for one sign-in's challenge (and never delivered there) is refused by another sign-in,
  // although its signature and counter are good: challenges are bound to their interaction.
  await startSignIn();
  const undelivered = await assertionWithoutPosting();
  const request = await startSignIn();
  await postOldAssertion(undelivered);
  await expect.poll(() => page.locator('#login-error').innerText()).toContain(refusedText);
  expect(landed).toBe('');

  // The same sign-in then goes through with a fresh ceremony.
  expect(await page.locator('#passkey-authenticate').innerText()).toBe('Sign in with a passkey');
  await page.click('#passkey-authenticate');
  await page.waitForURL(`${callback}**`);
  const claims = (await mailApp.callback(landed, request)).claims();
  expect(claims?.acr).toBe(phishingResistant);
  expect(claims?.amr).toEqual(['hwk', 'user']);
  const used = verifyPosts.at(-1) ?? '';

  // Replayed on the sign-in page of another interaction: refused, with the page's error message.
  await startSignIn();
  await page.waitForSelector('#passkey-authenticate');
  await postOldAssertion(used);
  await expect.poll(() => page.locator('#login-error').innerText()).toContain(refusedText);
  expect(landed).toBe('');
});
