// WeChat as a second factor and binding from the account pages, against the local simulator over real HTTP:
// the bound person's scan passes the mfa prompt (amr pwd+mfa+wechat, acr mfa), another person's and an unbound
// WeChat are refused and audited, a replayed state is refused, the official-account QR works the same way;
// "Bind WeChat" on /account/connections after a fresh proof; a WeChat bound to another campus ID is refused with
// the way to move it, and moved on the spot with that ID's password (both people notified).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../helpers/browser.ts';
import { openStatusStream } from '../helpers/event-stream.ts';
import { relyingParty, submitLogin, type RelyingParty } from '../helpers/oidc.ts';
import { startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { loadConfig } from '../../src/config/env.ts';
import { campusWechatApps, startWechatSimulator, type SimulatedPerson, type WechatSimulator } from '../simulators/wechat-simulator.ts';

const mailCallback = 'http://127.0.0.1:9/mail';
const mailClient = { client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [mailCallback], first_party: true, mfa: 'required' };

let sim: WechatSimulator;
let server: TestServer;
let mailApp: RelyingParty;
const notices: string[] = [];

beforeAll(async () => {
  sim = await startWechatSimulator(campusWechatApps);
  server = await startTestServer({ ...sim.serverSettings(), WECHAT_MFA: 'on' }, { oidc: [mailClient] }, { securityNotifier: { notify: async (id, event) => void notices.push(`${id}:${event}`) } });
  mailApp = await relyingParty(server.url, 'mail-app', mailCallback, webAppSecret);
});
afterAll(async () => {
  await server?.destroy();
  await sim?.close();
});

let seeded = 0;
/** A student; with a WeChat bound (by its unionid) when `wechat` is given, and a verified phone when `phone`. */
async function person(on: TestServer, options: { wechat?: SimulatedPerson; phone?: boolean } = {}) {
  const username = `wxb-${++seeded}`;
  const user = await seedStudent(on.services.prisma, { username, cardNumber: `WXB-${seeded}`, email: `${username}@example.edu` });
  if (options.phone) await on.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: `+86139000${String(seeded).padStart(5, '0')}`, verifiedAt: new Date() } });
  if (options.wechat) await on.services.prisma.externalIdentity.create({ data: { provider: 'wechat', appId: 'unionid', subject: options.wechat.unionid!, userId: user.id } });
  return { id: user.id, username };
}

const decode = (value: string) => value.replace(/&amp;/g, '&');
function linkOn(on: TestServer, page: Page, id: string): string {
  const match = new RegExp(`id="${id}" href="([^"]+)"`).exec(page.html);
  if (!match?.[1]) throw new Error(`no ${id} link on ${page.url}:\n${page.html.slice(0, 3000)}`);
  return new URL(decode(match[1]), on.url).toString();
}

/** Signs in to the mail app (which requires a second factor) with the password: lands on the mfa prompt. */
async function atMfaPrompt(app: RelyingParty, username: string) {
  const browser = new Browser();
  const request = await app.authorize(browser);
  const page = await submitLogin(browser, request.page, username, student.password, app.redirectUri);
  expect(page.url).toMatch(/\/interaction\/[^/]+$/);
  return { browser, request, page };
}

const wechatEvents = (userId: string, type: string) =>
  server.services.prisma.authEvent.findMany({ where: { userId, type }, orderBy: { createdAt: 'asc' } }).then((rows) => rows.map((row) => row.detail as Record<string, unknown>));

describe('WeChat as a second factor (website QR)', () => {
  it('lets the bound person pass the mfa prompt; the ID token says pwd + mfa + wechat', async () => {
    const wechat = sim.person('mfa-ok');
    const me = await person(server, { wechat, phone: true });
    const { browser, request, page } = await atMfaPrompt(mailApp, me.username);
    expect(page.html).toContain('Confirm with WeChat');
    sim.scanWebsiteQr(wechat);
    const question = await browser.visit(linkOn(server, page, 'mfa-wechat'), {}, mailCallback);
    expect(question.html).toContain('name="trust"');
    const done = await browser.submit(question, /\/trust$/, { trust: 'no' }, mailCallback);
    const claims = (await mailApp.callback(done.url, request)).claims()!;
    expect(claims.sub).toBe(me.id);
    expect(claims.amr).toEqual(['pwd', 'mfa', 'wechat']);
    expect(claims.acr).toBe('urn:campus-idp:acr:mfa');
    expect(await wechatEvents(me.id, 'mfa.succeeded')).toEqual([{ factor: 'wechat' }]);
  });

  it('refuses a WeChat bound to someone else, with a way out, and audits it', async () => {
    const mine = sim.person('mfa-mine');
    const theirs = sim.person('mfa-theirs');
    const me = await person(server, { wechat: mine });
    await person(server, { wechat: theirs });
    const { browser, page } = await atMfaPrompt(mailApp, me.username);
    sim.scanWebsiteQr(theirs);
    const refused = await browser.visit(linkOn(server, page, 'mfa-wechat'), {}, mailCallback);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('This WeChat is bound to another campus ID, so it cannot confirm this sign-in.');
    expect(refused.html).toContain('unbind it under “WeChat and WeCom”');
    expect(refused.html).toContain('name="code"'); // still on the prompt: other ways remain
    expect(await wechatEvents(me.id, 'mfa.failed')).toEqual([{ factor: 'wechat', reason: 'other_account' }]);
    expect(await wechatEvents(me.id, 'mfa.succeeded')).toEqual([]);

    // The right WeChat still works afterwards in the same sign-in.
    sim.scanWebsiteQr(mine);
    const question = await browser.visit(linkOn(server, refused, 'mfa-wechat'), {}, mailCallback);
    expect(question.html).toContain('name="trust"');
  });

  it('refuses an unbound WeChat', async () => {
    const me = await person(server, { wechat: sim.person('mfa-has-one') });
    const { browser, page } = await atMfaPrompt(mailApp, me.username);
    sim.scanWebsiteQr(sim.person('mfa-stranger'));
    const refused = await browser.visit(linkOn(server, page, 'mfa-wechat'), {}, mailCallback);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('This WeChat is not bound to any campus ID');
    expect(await wechatEvents(me.id, 'mfa.failed')).toEqual([{ factor: 'wechat', reason: 'unbound' }]);
  });

  it('refuses a replayed state, and a callback opened in another browser', async () => {
    const wechat = sim.person('mfa-replay');
    const me = await person(server, { wechat });
    const { browser, request, page } = await atMfaPrompt(mailApp, me.username);
    sim.scanWebsiteQr(wechat);
    const callbackPrefix = `${server.url}/interaction/`;
    const atCallback = await browser.visit(linkOn(server, page, 'mfa-wechat'), {}, callbackPrefix);
    expect(atCallback.url).toMatch(/\/mfa\/wechat\/callback\?code=[0-9a-f]+&state=[0-9a-f]{64}$/);

    // Another browser has no cookie of this sign-in: nothing happens, and the state is not used up.
    const stranger = await new Browser().visit(atCallback.url, {}, mailCallback);
    expect(stranger.status).toBe(400);
    expect(stranger.html).toContain('This sign-in page has expired');

    const question = await browser.visit(atCallback.url, {}, mailCallback);
    expect(question.html).toContain('name="trust"');
    const replay = await browser.visit(atCallback.url, {}, mailCallback);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('This WeChat confirmation is no longer valid');

    const done = await browser.submit(question, /\/trust$/, { trust: 'no' }, mailCallback);
    expect((await mailApp.callback(done.url, request)).claims()?.sub).toBe(me.id);
  });

  it('is not offered to someone without a bound WeChat, nor after signing in with WeChat itself', async () => {
    const nobody = await person(server, { phone: true });
    const plain = await atMfaPrompt(mailApp, nobody.username);
    expect(plain.page.html).not.toContain('id="mfa-wechat"');
    expect((await plain.browser.visit(plain.page.url.replace(/\/?$/, '/mfa/wechat'))).status).toBe(404);

    const wechat = sim.person('mfa-first-factor');
    await person(server, { wechat, phone: true });
    sim.scanWebsiteQr(wechat);
    const browser = new Browser();
    const request = await mailApp.authorize(browser);
    const scanned = await browser.visit(linkOn(server, request.page, 'connect-wechat'), {}, mailCallback);
    expect(scanned.url).toMatch(/\/interaction\/[^/]+$/);
    expect(scanned.html).toContain('name="code"');
    expect(scanned.html).not.toContain('id="mfa-wechat"');
  });
});

describe('WeChat as a second factor (official-account QR)', () => {
  it('passes after the bound person scans the temporary QR', async () => {
    const other = await startTestServer({ ...sim.serverSettings(), WECHAT_MFA: 'official-account' }, { oidc: [mailClient] });
    try {
      const app = await relyingParty(other.url, 'mail-app', mailCallback, webAppSecret);
      const wechat = sim.person('mfa-mp');
      const me = await person(other, { wechat });
      const { browser, request, page } = await atMfaPrompt(app, me.username);
      const qrPage = await browser.visit(linkOn(other, page, 'mfa-wechat'));
      expect(qrPage.status).toBe(200);
      expect(qrPage.html).toContain('src="data:image/png;base64,');
      const statusUrl = `${page.url}/mfa/wechat/status`;
      const status = async () => JSON.parse(await (await browser.request(statusUrl)).text()) as { status: string; next?: string };
      expect((await status()).status).toBe('waiting');
      // The page listens on an event stream; the push reaches it at once (interactions/scan-wait-stream.ts).
      expect(qrPage.html).toContain(`data-events-url="/interaction/${new URL(page.url).pathname.split('/')[2]}/mfa/wechat/wait"`);
      const stream = await openStatusStream(`${page.url}/mfa/wechat/wait`, browser.cookieHeaderFor(new URL(other.url)));
      expect(await stream.next()).toEqual({ status: 'waiting' });

      const pushed = await sim.scanOfficialQr(sim.latestTicket()!, wechat, `${other.url}/connect/wechat-mp/events`, { following: true });
      expect(pushed).toMatchObject({ status: 200, body: 'success' });
      expect((await stream.next()).status).toBe('scanned');
      stream.close();
      const answer = await status();
      expect(answer.status).toBe('scanned');
      const question = await browser.visit(new URL(answer.next!, other.url).toString(), {}, mailCallback);
      expect(question.html).toContain('name="trust"');
      const done = await browser.submit(question, /\/trust$/, { trust: 'no' }, mailCallback);
      expect((await app.callback(done.url, request)).claims()?.amr).toEqual(['pwd', 'mfa', 'wechat']);
      // The scan result was single use.
      expect((await browser.visit(new URL(answer.next!, other.url).toString())).status).toBe(400);
    } finally {
      await other.destroy();
    }
  });
});

describe('WECHAT_MFA setting', () => {
  it('names what is missing', () => {
    expect(() => loadConfig({ WECHAT_MFA: 'on' })).toThrow(/WECHAT_MFA=on needs/);
    expect(() => loadConfig({ WECHAT_MFA: 'website', WECHAT_MP_APP_ID: 'a', WECHAT_MP_SECRET: 'b', WECHAT_MP_TOKEN: 'token1' })).toThrow(/WECHAT_MFA=website needs WECHAT_OPEN_APP_ID/);
    expect(() => loadConfig({ WECHAT_MFA: 'sometimes' })).toThrow(/WECHAT_MFA must be one of off, on, website, official-account/);
    expect(loadConfig({ WECHAT_MFA: 'on', WECHAT_MP_APP_ID: 'a', WECHAT_MP_SECRET: 'b', WECHAT_MP_TOKEN: 'token1' }).wechat.mfa).toBe('official-account');
  });
});

/** Signs in on /account/connections with the password (the person has no second factor). */
async function onConnections(username: string) {
  const browser = new Browser();
  const login = await browser.visit(`${server.url}/account/connections`);
  const page = await submitLogin(browser, login, username, student.password, 'http://nowhere.invalid/');
  expect(page.url).toBe(`${server.url}/account/connections`);
  return { browser, page };
}

/** "Bind WeChat", the fresh proof (unless one was given in the last five minutes), `who` scanning. */
async function bindFromAccount(browser: Browser, page: Page, who: SimulatedPerson, stopAt?: string) {
  sim.scanWebsiteQr(who);
  const next = await browser.submit(page, /\/bind\/wechat$/, {}, stopAt);
  if (!next.html.includes('You are about to bind a WeChat to this campus ID.')) return next;
  return browser.submit(next, /\/bind\/wechat$/, { password: student.password }, stopAt);
}

describe('binding from /account/connections', () => {
  it('binds the scanned WeChat after a fresh proof, notifies, and the WeChat then signs in', async () => {
    const me = await person(server);
    const { browser, page } = await onConnections(me.username);
    expect(page.html).toContain('Bind WeChat');
    const wechat = sim.person('bind-ok');
    const bound = await bindFromAccount(browser, page, wechat);
    expect(bound.url).toBe(`${server.url}/account/connections?done=bound`);
    expect(bound.html).toContain('Bound. This WeChat can now sign you in by scanning.');
    expect(await server.services.prisma.externalIdentity.count({ where: { userId: me.id } })).toBe(1);
    expect(notices).toContain(`${me.id}:external_identity_linked`);
    expect(await wechatEvents(me.id, 'factor.external_linked')).toEqual([{ provider: 'wechat', proof: 'account_page' }]);

    // Scanning the same WeChat again changes nothing (and within five minutes asks for no new proof).
    const again = await bindFromAccount(browser, bound, wechat);
    expect(again.url).toBe(`${server.url}/account/connections?done=already`);
    expect(again.html).toContain('already bound to this campus ID');

    // The binding signs in by the scan alone.
    const webApp = await relyingParty(server.url, 'web-app', 'http://127.0.0.1:9/cb', webAppSecret);
    const other = new Browser();
    const request = await webApp.authorize(other);
    sim.scanWebsiteQr(wechat);
    const done = await other.visit(linkOn(server, request.page, 'connect-wechat'), {}, webApp.redirectUri);
    expect((await webApp.callback(done.url, request)).claims()?.sub).toBe(me.id);
  });

  it('refuses a replayed callback', async () => {
    const me = await person(server);
    const { browser, page } = await onConnections(me.username);
    const atCallback = await bindFromAccount(browser, page, sim.person('bind-replay'), `${server.url}/account/connections/wechat/callback`);
    const copy = new Browser();
    const host = new URL(server.url).host;
    browser.copyCookie(host, 'campus_wechat_bind', copy);
    const first = await browser.visit(atCallback.url);
    expect(first.html).toContain('Bound.');
    copy.copyCookie(host, 'campus_wechat_bind', browser);
    const replay = await browser.visit(atCallback.url);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('This binding is no longer valid');
  });
});

describe('switching a WeChat to another campus ID', () => {
  it('refuses to bind a WeChat bound to another ID, explains how to move it, and moves it with that ID’s password', async () => {
    const wechat = sim.person('switch');
    const graduate = await person(server, { wechat });
    const staff = await person(server);
    const { browser, page } = await onConnections(staff.username);
    const confirm = await browser.submit(page, /\/bind\/wechat$/, {});
    expect(confirm.html).toContain('You are about to bind a WeChat to this campus ID.');
    const explained = await bindFromAccount(browser, confirm, wechat);
    expect(explained.status).toBe(409);
    expect(explained.url).toBe(`${server.url}/account/connections/wechat/switch`);
    expect(explained.html).toContain('This WeChat is bound to another campus ID');
    expect(explained.html).toContain('sign in to the other ID');
    expect(explained.html).not.toContain(graduate.username); // the page does not name the other ID
    expect(await wechatEvents(staff.id, 'factor.external_link_refused')).toEqual([{ provider: 'wechat', reason: 'bound_to_another_account' }]);
    expect(await wechatEvents(graduate.id, 'factor.external_link_refused')).toEqual([{ provider: 'wechat', reason: 'scanned_for_another_account' }]);

    const wrong = await browser.submit(explained, /\/wechat\/switch$/, { login_id: graduate.username, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('Login ID or password is incorrect.');
    const third = await person(server);
    const someoneElse = await browser.submit(wrong, /\/wechat\/switch$/, { login_id: third.username, password: student.password });
    expect(someoneElse.status).toBe(401);
    expect(someoneElse.html).toContain('Login ID or password is incorrect.');
    const mine = await browser.submit(someoneElse, /\/wechat\/switch$/, { login_id: staff.username, password: student.password });
    expect(mine.status).toBe(400);
    expect(mine.html).toContain('That is this campus ID.');
    const identity = await server.services.prisma.externalIdentity.findFirstOrThrow({ where: { subject: wechat.unionid! } });
    expect(identity.userId).toBe(graduate.id);

    const moved = await browser.submit(mine, /\/wechat\/switch$/, { login_id: graduate.username, password: student.password });
    expect(moved.url).toBe(`${server.url}/account/connections?done=moved`);
    expect(moved.html).toContain('Moved. This WeChat is now bound to this campus ID');
    expect((await server.services.prisma.externalIdentity.findUniqueOrThrow({ where: { id: identity.id } })).userId).toBe(staff.id);
    expect(notices).toContain(`${graduate.id}:external_identity_unlinked`);
    expect(notices).toContain(`${staff.id}:external_identity_linked`);
    expect(await wechatEvents(graduate.id, 'factor.external_unlinked')).toEqual([{ provider: 'wechat', reason: 'moved_to_another_account' }]);

    // The move was single use: posting it again is refused.
    const again = await browser.submit(explained, /\/wechat\/switch$/, { login_id: graduate.username, password: student.password });
    expect(again.status).toBe(400);
    expect(again.html).toContain('This binding is no longer valid');
  });

  it('refuses, in the mfa prompt, a WeChat bound to the person’s old ID', async () => {
    const old = sim.person('switch-mfa');
    await person(server, { wechat: old });
    const current = await person(server, { wechat: sim.person('switch-mfa-own') });
    const { browser, page } = await atMfaPrompt(mailApp, current.username);
    sim.scanWebsiteQr(old);
    const refused = await browser.visit(linkOn(server, page, 'mfa-wechat'), {}, mailCallback);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('bind it to this ID from your account page');
  });
});
