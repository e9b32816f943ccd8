// Sign-in from inside the WeChat and WeCom apps, against the local simulator over real HTTP, with the apps' own
// User-Agent headers: the page offers the app's authorization instead of QR codes (or, WECHAT_IN_APP=direct, goes
// straight to it once); snsapi_base → code → sns/oauth2/access_token → openid (unionid through user/info) → bound
// signs in, unbound binds; state single use and bound to the browser; 40029/40163/40125 and snapshot-page users
// shown as clear pages; WeCom in-app → getuserinfo → staff. The official-account QR page hears of the scan over
// server-sent events, and with PostgreSQL + Redis, when WeChat's push lands on another instance.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddressInfo } from 'node:net';
import { Browser, type Page } from '../helpers/browser.ts';
import { openStatusStream } from '../helpers/event-stream.ts';
import { relyingParty, type RelyingParty } from '../helpers/oidc.ts';
import { redirectUri, startTestServer, webAppSecret, type TestServer } from '../helpers/test-server.ts';
import { seedStudent, student } from '../helpers/users.ts';
import { startWechatSimulator, type SimulatedPerson, type WechatSimulator } from '../simulators/wechat-simulator.ts';
import { createOfficialAccountWebAuth } from '../../src/connectors/wechat/in-app-auth.ts';

const wechatUa = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN';
const wecomUa = 'Mozilla/5.0 (Linux; Android 14; V2302A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1 NetType/WIFI Language/zh';
const mp = { appId: 'wx9f8e7d6c5b4a3921', secret: 'mp-app-secret-0123456789abcdef', token: 'campusToken2026' };
const corpId = 'ww5f3c2a1b0e9d8c7b';

let sim: WechatSimulator;
let server: TestServer;
let webApp: RelyingParty;
let host = '';

beforeAll(async () => {
  sim = await startWechatSimulator({
    open: { appId: 'wx0a1b2c3d4e5f6071', secret: 'open-app-secret-0123456789abcdef', callbackHost: '127.0.0.1' },
    mp,
    wecom: { corpId, agentId: '1000002', secret: 'wecom-secret-0123456789abcdef', trustedHost: '127.0.0.1' },
  });
  server = await startTestServer(sim.serverSettings());
  host = new URL(server.url).host;
  webApp = await relyingParty(server.url, 'web-app', redirectUri, webAppSecret);
});
afterAll(async () => {
  await server?.destroy();
  await sim?.close();
});

let seeded = 0;
async function person() {
  const username = `inapp-${++seeded}`;
  const user = await seedStudent(server.services.prisma, { username, cardNumber: `IA-${seeded}`, email: `${username}@example.edu` });
  return { id: user.id, username };
}
const bindUnionid = (who: SimulatedPerson, userId: string) =>
  server.services.prisma.externalIdentity.create({ data: { provider: 'wechat', appId: 'unionid', subject: who.unionid!, userId } });

function linkOn(page: Page, id: string, base = server.url): string {
  const match = new RegExp(`id="${id}" href="([^"]+)"`).exec(page.html);
  if (!match?.[1]) throw new Error(`no ${id} link on ${page.url}`);
  return new URL(match[1].replace(/&amp;/g, '&'), base).toString();
}

describe('inside WeChat (official account web authorization, snsapi_base)', () => {
  it('offers “Continue with WeChat” instead of QR codes, and a bound WeChat signs in with it', async () => {
    const me = await person();
    const wechat = sim.person('in-app-amy');
    await bindUnionid(wechat, me.id);

    const desktop = await webApp.authorize(new Browser());
    expect(desktop.page.html).toContain('id="connect-wechat"');
    expect(desktop.page.html).not.toContain('connect-wechat-in-app');

    const browser = new Browser('en', wechatUa);
    const request = await webApp.authorize(browser);
    expect(request.page.html).toContain('Continue with WeChat');
    expect(request.page.html).toContain('a QR code cannot be scanned from the same phone');
    expect(request.page.html).not.toContain('id="connect-wechat"');
    expect(request.page.html).not.toContain('id="connect-wechat-mp"');
    const start = linkOn(request.page, 'connect-wechat-in-app');
    const chinese = await webApp.authorize(new Browser('zh-CN', wechatUa));
    expect(chinese.page.html).toContain('使用微信继续');
    expect(chinese.page.html).toContain('同一部手机无法扫描自己屏幕上的二维码');

    // The way there goes through WeChat's authorize URL with the account's appid and snsapi_base.
    const atWechat = await browser.visit(start, {}, sim.url);
    const authorize = new URL(atWechat.url);
    expect(authorize.pathname).toBe('/connect/oauth2/authorize');
    expect(authorize.searchParams.get('appid')).toBe(mp.appId);
    expect(authorize.searchParams.get('scope')).toBe('snsapi_base');
    expect(authorize.hash).toBe('#wechat_redirect');

    sim.openInWechat(wechat);
    const done = await browser.visit(start, {}, redirectUri);
    const claims = (await webApp.callback(done.url, request)).claims()!;
    expect(claims.sub).toBe(me.id);
    expect(claims.amr).toEqual(['ext']);
  });

  it('sends an unbound WeChat to the binding page; bound by password, it is keyed by unionid (openid when none)', async () => {
    const me = await person();
    const wechat = sim.person('in-app-ben');
    sim.openInWechat(wechat);
    const browser = new Browser('en', wechatUa);
    const request = await webApp.authorize(browser);
    const bind = await browser.visit(linkOn(request.page, 'connect-wechat-in-app'), {}, redirectUri);
    expect(bind.url).toBe(`${server.url}/connect/bind`);
    expect(bind.html).toContain('Bind this WeChat to your campus account');
    const done = await browser.submit(bind, /\/connect\/bind\/password$/, { login_id: me.username, password: student.password }, redirectUri);
    expect((await webApp.callback(done.url, request)).claims()!.sub).toBe(me.id);
    // snsapi_base gave only the openid; user/info added the unionid, so the website QR finds the same person.
    expect(await server.services.prisma.externalIdentity.findMany({ where: { userId: me.id }, select: { provider: true, appId: true, subject: true } }))
      .toEqual([{ provider: 'wechat', appId: 'unionid', subject: wechat.unionid }]);

    const other = await person();
    const noUnion = sim.person('in-app-cat', false);
    sim.openInWechat(noUnion);
    const second = new Browser('en', wechatUa);
    const secondRequest = await webApp.authorize(second);
    const secondBind = await second.visit(linkOn(secondRequest.page, 'connect-wechat-in-app'), {}, redirectUri);
    await second.submit(secondBind, /\/connect\/bind\/password$/, { login_id: other.username, password: student.password }, redirectUri);
    expect(await server.services.prisma.externalIdentity.findMany({ where: { userId: other.id }, select: { provider: true, appId: true, subject: true } }))
      .toEqual([{ provider: 'wechat-mp', appId: mp.appId, subject: noUnion.openids[mp.appId] }]);
  });

  it('refuses a state from another browser without using it up, and a replayed state', async () => {
    const me = await person();
    const wechat = sim.person('in-app-dan');
    await bindUnionid(wechat, me.id);
    const callbackPrefix = `${server.url}/connect/wechat-in-app/callback`;
    sim.openInWechat(wechat);
    const a = new Browser('en', wechatUa);
    const requestA = await webApp.authorize(a);
    const atCallback = await a.visit(linkOn(requestA.page, 'connect-wechat-in-app'), {}, callbackPrefix);
    expect(atCallback.url.startsWith(callbackPrefix)).toBe(true);

    const b = new Browser('en', wechatUa);
    await webApp.authorize(b);
    const foreign = await b.visit(atCallback.url, {}, redirectUri);
    expect(foreign.status).toBe(400);
    expect(foreign.html).toContain('was started in another browser');

    const copy = new Browser('en', wechatUa);
    a.copyCookie(host, 'campus_connect_state', copy);
    const done = await a.visit(atCallback.url, {}, redirectUri);
    expect((await webApp.callback(done.url, requestA)).claims()!.sub).toBe(me.id);
    copy.copyCookie(host, 'campus_connect_state', a);
    const replay = await a.visit(atCallback.url, {}, redirectUri);
    expect(replay.status).toBe(400);
    expect(replay.html).toContain('This WeChat sign-in is no longer valid');
  });

  it('shows clear pages for WeChat’s documented errors and for a snapshot-page visitor, and binds nothing', async () => {
    const visit = async (failWith?: number, snapshot = false) => {
      const who = sim.person(`in-app-err-${failWith ?? 'snap'}`);
      sim.openInWechat(who, snapshot);
      if (failWith) sim.failNext('/sns/oauth2/access_token', failWith);
      const browser = new Browser('en', wechatUa);
      const request = await webApp.authorize(browser);
      return browser.visit(linkOn(request.page, 'connect-wechat-in-app'), {}, redirectUri);
    };
    const before = await server.services.prisma.externalIdentity.count();
    for (const errcode of [40029, 40163]) {
      const page = await visit(errcode);
      expect(page.status).toBe(400);
      expect(page.html).toContain('WeChat did not confirm the sign-in');
      expect(page.html).not.toContain(String(errcode));
    }
    const badSecret = await visit(40125);
    expect(badSecret.status).toBe(503);
    expect(badSecret.html).toContain('WeChat cannot be reached right now');
    const snapshot = await visit(undefined, true);
    expect(snapshot.status).toBe(400);
    expect(snapshot.html).toContain('preview mode');
    expect(await server.services.prisma.externalIdentity.count()).toBe(before);
  });

  it('the simulator answers as WeChat does: only inside WeChat, codes single use (40163), wrong secret 40125', async () => {
    const outside = await new Browser().visit(`${sim.url}/connect/oauth2/authorize?appid=${mp.appId}&redirect_uri=${encodeURIComponent(`${server.url}/x`)}&response_type=code&scope=snsapi_base&state=s#wechat_redirect`);
    expect(outside.html).toContain('请在微信客户端打开链接');

    const settings = { appId: mp.appId, secret: mp.secret, authorizeBaseUrl: sim.url, apiBaseUrl: sim.url };
    const resolveIdentity = async () => ({ ok: false as const, reason: 'unavailable' as const });
    const auth = createOfficialAccountWebAuth(settings, resolveIdentity);
    const codeFor = async (who: SimulatedPerson) => {
      sim.openInWechat(who);
      const response = await fetch(auth.authorizeUrl(`${server.url}/cb`, 'abc123'), { headers: { 'user-agent': wechatUa }, redirect: 'manual' });
      return new URL(response.headers.get('location')!).searchParams.get('code')!;
    };
    const withUnion = { unionid: 'o6_bmUNION', openids: { [mp.appId]: 'oOPENID1' } };
    const code = await codeFor(withUnion);
    // A unionid in the token (it is not, with snsapi_base, in the simulator) would be used as is; here user/info is asked.
    expect(await auth.exchange(code)).toEqual({ ok: false, reason: 'unavailable' });
    expect(await auth.exchange(code)).toEqual({ ok: false, reason: 'invalid_code', errcode: 40163 });
    expect(await auth.exchange('not-a-code')).toEqual({ ok: false, reason: 'invalid_code', errcode: 40029 });
    const wrongSecret = createOfficialAccountWebAuth({ ...settings, secret: 'wrong' }, resolveIdentity);
    expect(await wrongSecret.exchange(await codeFor(withUnion))).toEqual({ ok: false, reason: 'bad_credentials', errcode: 40125 });
  });
});

describe('inside WeCom (in-app authorization with the corp ID and agentid)', () => {
  it('offers “Continue with WeCom”, signs in a bound staff member and refuses someone outside the organisation', async () => {
    const me = await person();
    await server.services.prisma.externalIdentity.create({ data: { provider: 'wecom', appId: corpId, subject: 'LiSi', userId: me.id } });
    const browser = new Browser('en', wecomUa);
    const request = await webApp.authorize(browser);
    expect(request.page.html).toContain('Continue with WeCom');
    expect(request.page.html).not.toContain('connect-wechat-in-app');
    const start = linkOn(request.page, 'connect-wecom-in-app');
    const atWecom = new URL((await browser.visit(start, {}, sim.url)).url);
    expect(atWecom.pathname).toBe('/connect/oauth2/authorize');
    expect(atWecom.searchParams.get('appid')).toBe(corpId);
    expect(atWecom.searchParams.get('agentid')).toBe('1000002');
    expect(atWecom.searchParams.get('scope')).toBe('snsapi_base');

    sim.openInWecom('LiSi');
    const done = await browser.visit(start, {}, redirectUri);
    const claims = (await webApp.callback(done.url, request)).claims()!;
    expect(claims.sub).toBe(me.id);
    expect(claims.amr).toEqual(['ext']);

    sim.openInWecom('o_outsider', false);
    const other = new Browser('en', wecomUa);
    const second = await webApp.authorize(other);
    const refused = await other.visit(linkOn(second.page, 'connect-wecom-in-app'), {}, redirectUri);
    expect(refused.status).toBe(403);
    expect(refused.html).toContain('not a member of the campus organisation');
  });
});

describe('WECHAT_IN_APP=direct', () => {
  it('goes straight to WeChat’s authorization once; after a failed try the page is shown, not a loop', async () => {
    const direct = await startTestServer({ ...sim.serverSettings(), WECHAT_IN_APP: 'direct' });
    try {
      const app = await relyingParty(direct.url, 'web-app', redirectUri, webAppSecret);
      const user = await seedStudent(direct.services.prisma, { username: 'direct-1', cardNumber: 'DIRECT-1', email: 'direct-1@example.edu' });
      const wechat = sim.person('in-app-direct');
      await direct.services.prisma.externalIdentity.create({ data: { provider: 'wechat', appId: 'unionid', subject: wechat.unionid!, userId: user.id } });

      sim.openInWechat(wechat);
      const inWechat = new Browser('en', wechatUa);
      const request = await app.authorize(inWechat);
      expect(request.page.url.startsWith(redirectUri)).toBe(true);
      expect((await app.callback(request.page.url, request)).claims()!.sub).toBe(user.id);

      // WeChat refuses the code: the error page's way back shows the sign-in page with the offer.
      sim.openInWechat(wechat);
      sim.failNext('/sns/oauth2/access_token', 40029);
      const retry = new Browser('en', wechatUa);
      const failed = await app.authorize(retry);
      expect(failed.page.status).toBe(400);
      const back = /id="connect-back" href="(\/interaction\/[^"]+)"/.exec(failed.page.html)?.[1];
      expect(back).toBeTruthy();
      const page = await retry.visit(new URL(back!, direct.url).toString(), {}, redirectUri);
      expect(page.status).toBe(200);
      expect(page.html).toContain('id="connect-wechat-in-app"');
      expect(page.html).toContain('name="password"');

      // An ordinary browser is not sent anywhere.
      const desktop = await app.authorize(new Browser());
      expect(desktop.page.html).toContain('name="password"');
    } finally {
      await direct.destroy();
    }
  });
});

/** A bound follower's sign-in waiting at the official-account QR page, with its event stream open. */
async function waitingForScan(name: string) {
  const me = await person();
  const wechat = sim.person(name);
  await bindUnionid(wechat, me.id);
  const browser = new Browser();
  const request = await webApp.authorize(browser);
  const qrPage = await browser.visit(linkOn(request.page, 'connect-wechat-mp'));
  expect(qrPage.html).toContain('data-events-url="/connect/wechat-mp/wait"');
  const stream = await openStatusStream(`${server.url}/connect/wechat-mp/wait`, browser.cookieHeaderFor(new URL(server.url)));
  expect(stream.response.headers.get('content-type')).toContain('text/event-stream');
  expect(await stream.next()).toEqual({ status: 'waiting' });
  return { me, wechat, browser, request, stream, ticket: sim.latestTicket()! };
}

describe('official-account QR page: server-sent events instead of polling', () => {
  it('says “scanned” on the stream as soon as WeChat pushes the scan, and the sign-in finishes', async () => {
    const { me, wechat, browser, request, stream, ticket } = await waitingForScan('sse-eve');
    const pushedAt = Date.now();
    expect((await sim.scanOfficialQr(ticket, wechat, `${server.url}/connect/wechat-mp/events`, { following: true }))?.body).toBe('success');
    expect(await stream.next()).toEqual({ status: 'scanned', next: '/connect/wechat-mp/finish' });
    expect(Date.now() - pushedAt).toBeLessThan(3000); // well under the 3–5 s fallback poll, even on a loaded machine
    stream.close();
    const done = await browser.visit(`${server.url}/connect/wechat-mp/finish`, {}, redirectUri);
    expect((await webApp.callback(done.url, request)).claims()!.sub).toBe(me.id);
  });

  it('refuses a stream to a browser without this QR', async () => {
    const response = await fetch(`${server.url}/connect/wechat-mp/wait`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  // Two processes cannot share the embedded PGlite database: this runs in the PostgreSQL + Redis pass.
  it.skipIf(!(process.env.DATABASE_URL && process.env.REDIS_URL))('advances a page on instance A when WeChat pushes the scan to instance B', async () => {
    const sibling = await server.sibling();
    try {
      const { me, wechat, browser, request, stream, ticket } = await waitingForScan('sse-fay');
      const siblingEvents = `http://127.0.0.1:${(sibling.server.address() as AddressInfo).port}/connect/wechat-mp/events`;
      const pushedAt = Date.now();
      expect((await sim.scanOfficialQr(ticket, wechat, siblingEvents))?.body).toBe('success');
      expect((await stream.next()).status).toBe('scanned');
      expect(Date.now() - pushedAt).toBeLessThan(3000); // well under the 3–5 s fallback poll, even on a loaded machine
      stream.close();
      const done = await browser.visit(`${server.url}/connect/wechat-mp/finish`, {}, redirectUri);
      expect((await webApp.callback(done.url, request)).claims()!.sub).toBe(me.id);
    } finally {
      await sibling.destroy();
    }
  });
});
