// WeChat and WeCom sign-in against the local simulator (test/simulators/wechat-simulator.ts), over real HTTP:
// website QR bound → signed in; unbound → bound by password or by a texted code, then signed in by the scan
// alone; state replayed or from another browser refused; vendor errors shown as clear pages; the official-account
// QR (bad signature 403, good signature in secure mode advances the waiting page); WeCom for a bound staff member;
// the mfa prompt still follows; unbinding on /account after a fresh proof, with a notice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Browser, type Page } from '../helpers/browser.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import type { MemorySms } from '../../src/connectors/sms/memory.ts';
import { startWechatSimulator, type SimulatedPerson, type WechatSimulator } from '../simulators/wechat-simulator.ts';

const mailCallback = 'http://127.0.0.1:9/mail';
const mailClient = { client_id: 'mail-app', client_name: 'Webmail', client_secret_env: 'WEB_APP_SECRET', redirect_uris: [mailCallback], first_party: true, mfa: 'required' };
const aesKey = 'abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG';
const corpId = 'ww5f3c2a1b0e9d8c7b';

let sim: WechatSimulator;
let server: TestServer;
let webApp: RelyingParty;
let mailApp: RelyingParty;
const notices: string[] = [];
let host = '';

beforeAll(async () => {
  sim = await startWechatSimulator({
    open: { appId: 'wx0a1b2c3d4e5f6071', secret: 'open-app-secret-0123456789abcdef', callbackHost: '127.0.0.1' },
    mp: { appId: 'wx9f8e7d6c5b4a3921', secret: 'mp-app-secret-0123456789abcdef', token: 'campusToken2026', aesKey },
    wecom: { corpId, agentId: '1000002', secret: 'wecom-secret-0123456789abcdef', trustedHost: '127.0.0.1' },
  });
  server = await startTestServer(sim.serverSettings(), { oidc: [mailClient] }, { securityNotifier: { notify: async (id, event) => void notices.push(`${id}:${event}`) } });
  host = new URL(server.url).host;
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
  mailApp = await relyingParty(server.url, 'mail-app', mailCallback, webAppSecret);
});
afterAll(async () => {
  await server?.destroy();
  await sim?.close();
});

let seeded = 0;
async function person(phone?: string) {
  const username = `wx-${++seeded}`;
  const user = await seedStudent(server.services.prisma, { username, cardNumber: `WX-${seeded}`, email: `${username}@example.edu` });
  if (phone) await server.services.prisma.contactPoint.create({ data: { userId: user.id, role: 'security_phone', value: phone, verifiedAt: new Date() } });
  return { id: user.id, username };
}

const decode = (value: string) => value.replace(/&amp;/g, '&');
function linkOn(page: Page, id: string): string {
  const match = new RegExp(`id="${id}" href="([^"]+)"`).exec(page.html);
  if (!match?.[1]) throw new Error(`no ${id} link on ${page.url}`);
  return new URL(decode(match[1]), server.url).toString();
}

/** Opens the app's sign-in and follows "Scan with WeChat" (the simulator has been told who scans). */
async function scanIn(app: RelyingParty, linkId = 'connect-wechat', browser = new Browser()) {
  const request = await app.authorize(browser);
  expect(request.page.html).toContain('Scan with WeChat');
  const page = await browser.visit(linkOn(request.page, linkId), {}, app.redirectUri);
  return { browser, request, page };
}

const claimsOf = async (app: RelyingParty, page: Page, request: Awaited<ReturnType<RelyingParty['authorize']>>) =>
  (await app.callback(page.url, request)).claims()!;

async function bindByPassword(who: SimulatedPerson, username: string) {
  sim.scanWebsiteQr(who);
  const { browser, request, page } = await scanIn(webApp);
  expect(page.url).toBe(`${server.url}/connect/bind`);
  const done = await browser.submit(page, /\/connect\/bind\/password$/, { login_id: username, password: student.password }, redirectUri);
  return { browser, request, done };
}

describe('website QR (Open Platform)', () => {
  it('binds an unbound WeChat by password, then signs in by the scan alone', async () => {
    const me = await person();
    const wechat = sim.person('alice');
    sim.scanWebsiteQr(wechat);
    const first = await scanIn(webApp);
    expect(first.page.url).toBe(`${server.url}/connect/bind`);
    expect(first.page.html).toContain('Bind this WeChat to your campus account');
    expect(first.page.html).toContain('never bind by name, phone number or e-mail');

    const wrong = await first.browser.submit(first.page, /\/connect\/bind\/password$/, { login_id: me.username, password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(wrong.html).toContain('Login ID or password is incorrect.');
    expect(wrong.html).toContain(`value="${me.username}"`);
    expect(await server.services.prisma.externalIdentity.count({ where: { userId: me.id } })).toBe(0);

    const done = await first.browser.submit(wrong, /\/connect\/bind\/password$/, { login_id: me.username, password: student.password }, redirectUri);
    const claims = await claimsOf(webApp, done, first.request);
    expect(claims.sub).toBe(me.id);
    expect(claims.amr).toEqual(['ext', 'pwd']);
    expect(notices).toContain(`${me.id}:external_identity_linked`);

    // Next time, in a fresh browser: the scan alone signs in.
    sim.scanWebsiteQr(wechat);
    const again = await scanIn(webApp);
    expect(again.page.url.startsWith(redirectUri)).toBe(true);
    const second = await claimsOf(webApp, again.page, again.request);
    expect(second.sub).toBe(me.id);
    expect(second.amr).toEqual(['ext']);
  });

  it('binds by a code texted to the account’s verified phone, and refuses a wrong code', async () => {
    const phone = '+8613912340001';
    const me = await person(phone);
    sim.scanWebsiteQr(sim.person('bob'));
    const { browser, request, page } = await scanIn(webApp);
    const sent = await browser.submit(page, /\/connect\/bind\/sms\/send$/, { login_id: me.username });
    expect(sent.html).toContain('If this login ID has a verified phone, we sent a code to it.');
    const message = [...(server.services.sms as MemorySms).messages()].reverse().find((entry) => entry.phone === phone);
    const code = message?.params.code ?? '';
    expect(code).toMatch(/^\d{6}$/);

    const refused = await browser.submit(sent, /\/connect\/bind\/sms$/, { code: code === '000000' ? '111111' : '000000' });
    expect(refused.status).toBe(401);
    expect(refused.html).toContain('The code is not right');

    const done = await browser.submit(refused, /\/connect\/bind\/sms$/, { code }, redirectUri);
    const claims = await claimsOf(webApp, done, request);
    expect(claims.sub).toBe(me.id);
    expect(await server.services.prisma.externalIdentity.count({ where: { userId: me.id } })).toBe(1);
  });

  it('says the same thing for a login ID without a phone, and sends nothing', async () => {
    sim.scanWebsiteQr(sim.person('carol'));
    const { browser, page } = await scanIn(webApp);
    const before = (server.services.sms as MemorySms).messages().length;
    const sent = await browser.submit(page, /\/connect\/bind\/sms\/send$/, { login_id: 'nobody-here' });
    expect(sent.html).toContain('If this login ID has a verified phone, we sent a code to it.');
    expect((server.services.sms as MemorySms).messages().length).toBe(before);
  });

  it('refuses a replayed state and a state from another browser', async () => {
    const me = await person();
    const wechat = sim.person('dave');
    await bindByPassword(wechat, me.username);
    const callbackPrefix = `${server.url}/connect/wechat/callback`;

    // Browser A gets as far as the callback URL; browser B (its own sign-in) tries to use it: refused, and A's
    // state is not used up by the attempt.
    sim.scanWebsiteQr(wechat);
    const a = new Browser();
    const requestA = await webApp.authorize(a);
    const atCallback = await a.visit(linkOn(requestA.page, 'connect-wechat'), {}, callbackPrefix);
    expect(atCallback.url.startsWith(callbackPrefix)).toBe(true);
    const b = new Browser();
    await webApp.authorize(b);
    const foreign = await b.visit(atCallback.url, {}, redirectUri);
    expect(foreign.status).toBe(400);
    expect(foreign.html).toContain('was started in another browser');

    // A keeps a copy of its state cookie, finishes, then replays the same callback with the copy: refused.
    const copy = new Browser();
    a.copyCookie(host, 'campus_connect_state', copy);
    const done = await a.visit(atCallback.url, {}, redirectUri);
    expect((await claimsOf(webApp, done, requestA)).sub).toBe(me.id);
    copy.copyCookie(host, 'campus_connect_state', a);
    const replay = await a.visit(atCallback.url, {}, redirectUri);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('This WeChat sign-in is no longer valid');
  });

  it('shows a clear page when WeChat refuses the code or is over its rate limit', async () => {
    sim.scanWebsiteQr(sim.person('erin'));
    sim.failNext('/sns/oauth2/access_token', 40029);
    const invalid = await scanIn(webApp);
    expect(invalid.page.status).toBe(400);
    expect(invalid.page.html).toContain('WeChat did not confirm the sign-in');
    expect(invalid.page.html).not.toContain('40029');

    sim.scanWebsiteQr(sim.person('erin'));
    sim.failNext('/sns/oauth2/access_token', 45009);
    const limited = await scanIn(webApp);
    expect(limited.page.status).toBe(429);
    expect(limited.page.html).toContain('WeChat is receiving too many requests');

    sim.scanWebsiteQr('deny');
    const denied = await scanIn(webApp);
    expect(denied.page.html).toContain('The sign-in was cancelled in WeChat');
  });

  it('still asks for the second factor where the app requires one', async () => {
    const me = await person();
    const wechat = sim.person('frank');
    await bindByPassword(wechat, me.username);
    sim.scanWebsiteQr(wechat);
    const { page } = await scanIn(mailApp);
    expect(page.url).toMatch(/\/interaction\/[^/]+$/);
    expect(page.html).toMatch(/name="code"|totp-secret/);
    expect(page.html).not.toContain('id="mfa-wechat"'); // WECHAT_MFA is off here
  });
});

describe('official account QR', () => {
  it('refuses a push with a bad signature (403) and advances the desktop on a good one', async () => {
    const me = await person();
    const wechat = sim.person('grace');
    await bindByPassword(wechat, me.username); // bound on the website app; the same unionid comes from the account

    const browser = new Browser();
    const request = await webApp.authorize(browser);
    const qrPage = await browser.visit(linkOn(request.page, 'connect-wechat-mp'));
    expect(qrPage.status).toBe(200);
    expect(qrPage.html).toContain('src="data:image/png;base64,');
    expect(qrPage.html).toContain('/assets/connect-wait.js');
    const status = async () => JSON.parse(await (await browser.request(`${server.url}/connect/wechat-mp/status`)).text()) as { status: string; next?: string };
    expect((await status()).status).toBe('waiting');

    const ticket = sim.latestTicket()!;
    const callback = `${server.url}/connect/wechat-mp/events`;
    const forged = await sim.scanOfficialQr(ticket, wechat, callback, { badSignature: true });
    expect(forged?.status).toBe(403);
    expect((await status()).status).toBe('waiting');

    const pushed = await sim.scanOfficialQr(ticket, wechat, callback, { secure: true });
    expect(pushed).toMatchObject({ status: 200, body: 'success' });
    const answer = await status();
    expect(answer.status).toBe('scanned');
    const done = await browser.visit(new URL(answer.next!, server.url).toString(), {}, redirectUri);
    expect((await claimsOf(webApp, done, request)).sub).toBe(me.id);

    // Another browser cannot pick up the result, and the scene is used up.
    expect((await sim.scanOfficialQr(ticket, wechat, callback, { following: true }))?.body).toBe('success');
    expect((await new Browser().visit(`${server.url}/connect/wechat-mp/finish`)).status).toBe(400);
  });

  it('answers WeChat’s URL check only with a valid signature', async () => {
    const bad = await fetch(`${server.url}/connect/wechat-mp/events?signature=${'0'.repeat(40)}&timestamp=1&nonce=2&echostr=hello`);
    expect(bad.status).toBe(403);
  });
});

describe('WeCom', () => {
  it('signs in a bound staff member, and refuses someone outside the organisation', async () => {
    const me = await person();
    await server.services.prisma.externalIdentity.create({ data: { provider: 'wecom', appId: corpId, subject: 'ZhangSan', userId: me.id } });
    sim.scanWecom('ZhangSan');
    const browser = new Browser();
    const request = await webApp.authorize(browser);
    const done = await browser.visit(linkOn(request.page, 'connect-wecom'), {}, redirectUri);
    const claims = await claimsOf(webApp, done, request);
    expect(claims.sub).toBe(me.id);
    expect(claims.amr).toEqual(['ext']);

    sim.scanWecom('o_outsider', false);
    const other = new Browser();
    const second = await webApp.authorize(other);
    const refused = await other.visit(linkOn(second.page, 'connect-wecom'), {}, redirectUri);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('not a member of the campus organisation');
  });
});

describe('binding management on /account', () => {
  it('lists the bound WeChat and unbinds it after a fresh proof, with a notice', async () => {
    const me = await person();
    const wechat = sim.person('heidi');
    const { browser } = await bindByPassword(wechat, me.username);
    const list = await browser.visit(`${server.url}/account/connections`);
    expect(list.html).toContain('WeChat');
    expect(list.html).toContain('/unbind');
    const identityId = /\/account\/connections\/([0-9a-f-]{36})\/unbind/.exec(list.html)![1]!;

    // Unbinding asks "confirm it is you" first; a wrong password changes nothing.
    const confirm = await browser.submit(list, /\/unbind$/, {});
    expect(confirm.html).toContain('You are about to unbind WeChat');
    const wrong = await browser.submit(confirm, /\/unbind$/, { password: 'not-the-password' });
    expect(wrong.status).toBe(401);
    expect(await server.services.prisma.externalIdentity.findUnique({ where: { id: identityId } })).not.toBeNull();
    const page = await browser.submit(wrong, /\/unbind$/, { password: student.password });
    expect(page.html).toContain('Unbound. It can no longer sign you in.');
    expect(page.html).toContain('No WeChat or WeCom account is bound.');
    expect(await server.services.prisma.externalIdentity.findUnique({ where: { id: identityId } })).toBeNull();
    expect(notices).toContain(`${me.id}:external_identity_unlinked`);

    // The unbound WeChat goes back to the binding page.
    sim.scanWebsiteQr(wechat);
    const { page: after } = await scanIn(webApp);
    expect(after.url).toBe(`${server.url}/connect/bind`);
  });
});
