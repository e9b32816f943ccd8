// /account/sessions in Chromium: two browsers' sessions listed with device, address and apps; signing the other
// one out sends it back to the sign-in page and kills its refresh token (openid-client); "sign out everywhere
// else" keeps this browser; the history shows a failed and a successful sign-in with their address.
import { afterAll, beforeAll, expect, it } from 'vitest';
import * as client from 'openid-client';
import type { Browser as ChromiumBrowser } from 'playwright-core';
import { launchChromium } from '../helpers/chromium.ts';
import { Browser } from '../helpers/browser.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { createAccountSessions } from '../../src/services/account-sessions.ts';

let server: TestServer;
let chromium: ChromiumBrowser;
let webApp: RelyingParty;
let userId: string;

beforeAll(async () => {
  server = await startTestServer({ CAMPUS_NETWORKS: '127.0.0.0/8=Campus network (test)' });
  userId = (await seedStudent(server.services.prisma)).id;
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  chromium = await launchChromium();
});
afterAll(async () => {
  await chromium?.close();
  await server?.destroy();
});

/**
 * Another device: signs in to the web app through our pages and keeps the app's tokens. `offline`: a refresh
 * token that outlives the session (offline_access), so only revoking the grant can end it.
 */
async function otherDevice(offline = false) {
  const browser = new Browser();
  const started = await webApp.authorize(browser, offline ? { scope: 'openid offline_access', prompt: 'consent' } : {});
  let done = await submitLogin(browser, started.page, student.username, student.password, redirectUri);
  if (offline) done = await browser.submit(done, /\/confirm$/, {}, redirectUri);
  const tokens = await webApp.callback(done.url, started);
  expect(tokens.refresh_token).toBeTruthy();
  return { browser, tokens };
}

/** Where the device's next visit to /account ends: the account page itself, or the sign-in page. */
async function accountVisit(browser: Browser) {
  const page = await browser.visit(`${server.url}/account`);
  return page.url.includes('/interaction/') && page.html.includes('name="password"') ? 'sign-in' : page.html.includes('id="signed-in-as"') ? 'account' : 'other';
}

it('lists the sessions, signs one out, then every other one, and shows the sign-in history', async () => {
  const phone = await otherDevice();
  expect(await accountVisit(phone.browser)).toBe('account');

  const context = await chromium.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await page.goto(`${server.url}/account/sessions`);
  // A wrong password first: the history must show it.
  await page.fill('#login_id', student.username);
  await page.fill('#password', 'not-the-password');
  await page.press('#password', 'Enter');
  await page.waitForSelector('[role=alert]:not([hidden])');
  await page.fill('#password', student.password);
  await page.press('#password', 'Enter');
  await page.waitForURL(`${server.url}/account/sessions`);

  const sessions = page.locator('#sessions > li');
  expect(await sessions.count()).toBe(2);
  const current = page.locator('#sessions > li[data-current="true"]');
  expect(await current.innerText()).toContain('This browser');
  expect(await current.innerText()).toContain('Chrome');
  const otherItem = page.locator('#sessions > li:not([data-current])');
  const otherText = await otherItem.innerText();
  expect(otherText).toContain('IP address 127.0.0.1');
  expect(otherText).toContain('Campus network (test)');
  expect(otherText).toContain('Apps: Web App');

  const history = await page.locator('#history').innerText();
  expect(history).toContain('Sign-in failed');
  expect(history).toContain('Signed in');
  expect(history).toContain('IP address 127.0.0.1');
  expect(await page.locator('#history > li[data-type="sign_in.failed"]').count()).toBe(1);

  // Sign the phone out: its next visit asks for the password, and the app's refresh token is dead.
  await otherItem.getByRole('button', { name: 'Sign out' }).click();
  await page.waitForURL(/done=revoked/);
  expect(await page.getByRole('status').innerText()).toBe('That device was signed out.');
  expect(await sessions.count()).toBe(1);
  expect(await accountVisit(phone.browser)).toBe('sign-in');
  await expect(client.refreshTokenGrant(webApp.config, phone.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });

  // Two more devices; "sign out everywhere else" ends both and keeps this browser signed in.
  const tablet = await otherDevice();
  const laptop = await otherDevice(true);
  const refreshed = await client.refreshTokenGrant(webApp.config, laptop.tokens.refresh_token!);
  await page.reload();
  expect(await sessions.count()).toBe(3);
  await page.getByRole('button', { name: 'Sign out everywhere else' }).click();
  await page.waitForURL(/done=revokedOthers/);
  expect(await page.getByRole('status').innerText()).toBe('You were signed out everywhere else.');
  expect(await sessions.count()).toBe(1);
  expect(await page.locator('#no-other-sessions').count()).toBe(1);
  expect(await accountVisit(tablet.browser)).toBe('sign-in');
  expect(await accountVisit(laptop.browser)).toBe('sign-in');
  await expect(client.refreshTokenGrant(webApp.config, refreshed.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  await page.goto(`${server.url}/account`);
  expect(await page.locator('#signed-in-as').innerText()).toContain(student.username);

  const revoked = await server.services.prisma.authEvent.count({ where: { userId, type: 'session.revoked' } });
  expect(revoked).toBe(2);
  await context.close();
});

it('revokeAll without an exception ends every session and refresh token of the account (as a reset does)', async () => {
  const one = await otherDevice();
  const two = await otherDevice(true);
  const sessions = createAccountSessions({ store: server.services.store, sessionTtlSeconds: 3600 });
  expect((await sessions.list(userId)).length).toBeGreaterThanOrEqual(2);
  expect(await sessions.revokeAll(userId)).toBeGreaterThanOrEqual(2);
  expect(await sessions.list(userId)).toEqual([]);
  expect(await accountVisit(one.browser)).toBe('sign-in');
  await expect(client.refreshTokenGrant(webApp.config, two.tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
});

it('drops expired sessions and grants from the per-account index when it is read, so it does not only grow', async () => {
  await otherDevice();
  const sessions = createAccountSessions({ store: server.services.store, sessionTtlSeconds: 3600 });
  const index = `oidc:account:${userId}`;
  await server.services.store.set('oidc:Session:expired-one', '{}', 1, [{ setKey: index, member: 'oidc:Session:expired-one' }]);
  await server.services.store.delete(['oidc:Session:expired-one']);
  expect(await server.services.store.setMembers(index)).toContain('oidc:Session:expired-one');
  expect((await sessions.list(userId)).length).toBeGreaterThanOrEqual(1);
  const members = await server.services.store.setMembers(index);
  expect(members).not.toContain('oidc:Session:expired-one');
  expect(members.some((member) => member.startsWith('oidc:Session:'))).toBe(true);
});
