// A local WeChat / WeCom stand-in on 127.0.0.1 for flow tests, following reference/external-protocols.md §1–3:
// Open Platform qrconnect + sns/oauth2/access_token + sns/userinfo, official-account cgi-bin/token +
// qrcode/create + user/info and the signed (plain or AES) event push to our callback, the in-app web authorization
// (connect/oauth2/authorize: the official account's snsapi_base, and WeCom's with the corp ID and agentid, each
// only inside its own app's browser), WeCom wwlogin + gettoken + auth/getuserinfo. Errors come with HTTP 200 and
// errcode/errmsg ", rid: …"; codes are single use and expire.
// Its signing and encryption are written here again on purpose, not imported from the code under test.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createCipheriv, createHash, randomBytes } from 'node:crypto';

export interface SimulatedPerson {
  /** Present when the apps are bound to one open-platform account (then both give it). */
  unionid?: string;
  /** The person's openid per appid (derived when not given). */
  openids: Record<string, string>;
}

export interface WechatSimulatorOptions {
  open: { appId: string; secret: string; /** Host of the registered 授权回调域 (no subdomains, port ignored). */ callbackHost: string };
  /** webAuthHost: the 网页授权域名 for oauth2/authorize (default: open.callbackHost, port ignored). */
  mp: { appId: string; secret: string; token: string; aesKey?: string; webAuthHost?: string };
  wecom: { corpId: string; agentId: string; secret: string; trustedHost: string };
}

type Confirmation = { person: SimulatedPerson } | { deny: true } | { wecomUser: string } | { wecomOutsider: string };

interface IssuedCode {
  appId: string;
  person?: SimulatedPerson;
  /** Official-account web authorization: the scope asked for, and whether the visitor was a snapshot-page user. */
  scope?: string;
  snapshot?: boolean;
  wecomUser?: string;
  wecomOutsider?: string;
  issuedAt: number;
  used: boolean;
  ttlMs: number;
}

export interface PushOutcome {
  status: number;
  body: string;
  /** How many times it was delivered (WeChat tries 3 times in all when the answer is slow). */
  attempts: number;
}

const rid = () => `${randomBytes(4).toString('hex')}-${randomBytes(4).toString('hex')}`;
const error = (errcode: number, message: string) => ({ errcode, errmsg: `${message}, rid: ${rid()}` });
const sha1Sorted = (parts: string[]) => createHash('sha1').update([...parts].sort().join('')).digest('hex');

function encrypt(aesKey: string, appId: string, message: string): string {
  const key = Buffer.from(`${aesKey}=`, 'base64');
  const body = Buffer.from(message);
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(appId)]);
  const pad = 32 - (plain.length % 32);
  const cipher = createCipheriv('aes-256-cbc', key, key.subarray(0, 16)).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, Buffer.alloc(pad, pad)])), cipher.final()]).toString('base64');
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    req.on('end', () => resolve(body));
  });

/** The campus's three apps (website QR, official account, WeCom) as most tests register them. */
export const campusWechatApps: WechatSimulatorOptions = {
  open: { appId: 'wx0a1b2c3d4e5f6071', secret: 'open-app-secret-0123456789abcdef', callbackHost: '127.0.0.1' },
  mp: { appId: 'wx9f8e7d6c5b4a3921', secret: 'mp-app-secret-0123456789abcdef', token: 'campusToken2026' },
  wecom: { corpId: 'ww5f3c2a1b0e9d8c7b', agentId: '1000002', secret: 'wecom-secret-0123456789abcdef', trustedHost: '127.0.0.1' },
};

export async function startWechatSimulator(options: WechatSimulatorOptions) {
  const codes = new Map<string, IssuedCode>();
  const snsTokens = new Map<string, { appId: string; person: SimulatedPerson }>();
  const appTokens = new Map<string, string>(); // token → appid / corpid
  const tickets = new Map<string, { scene: string; expiresAt: number; url: string }>();
  const pending: Record<'open' | 'wecom', Confirmation[]> = { open: [], wecom: [] };
  /** Who has the next page open inside WeChat / inside WeCom (the in-app authorization is silent). */
  const inApp: { wechat: { person: SimulatedPerson; snapshot: boolean }[]; wecom: Confirmation[] } = { wechat: [], wecom: [] };
  const injected = new Map<string, number[]>();
  let clockOffsetMs = 0;
  const now = () => Date.now() + clockOffsetMs;
  const people = new Map<string, SimulatedPerson>();

  const json = (res: ServerResponse, body: unknown) => res.writeHead(200, { 'content-type': 'text/plain' }).end(JSON.stringify(body));
  const issueCode = (appId: string, ttlMs: number, from: Partial<IssuedCode>) => {
    const code = randomBytes(16).toString('hex');
    codes.set(code, { appId, issuedAt: now(), used: false, ttlMs, ...from });
    return code;
  };
  /** A code check as the vendor does it: 40029 unknown or other app, 40163 used, 42003 expired. */
  const useCode = (code: string, appId: string, usedErr: number) => {
    const issued = codes.get(code);
    if (!issued || issued.appId !== appId) return { fail: error(40029, 'invalid code') };
    if (issued.used) return { fail: error(usedErr, usedErr === 40163 ? 'code been used' : 'invalid code') };
    if (now() - issued.issuedAt > issued.ttlMs) return { fail: error(42003, 'code expired') };
    issued.used = true;
    return { issued };
  };
  const injectedFor = (path: string) => injected.get(path)?.shift();

  const loginPage = (res: ServerResponse, redirect: URL, state: string, queue: Confirmation[], wecom: boolean) => {
    const next = queue.shift();
    if (!next) {
      // Nobody has scanned yet: WeChat's page keeps showing the QR.
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end('<!doctype html><title>微信登录</title><p>请使用微信扫描二维码登录</p>');
      return;
    }
    if ('deny' in next) {
      redirect.searchParams.set('state', state);
    } else {
      const code = wecom
        ? issueCode(options.wecom.corpId, 300_000, 'wecomUser' in next ? { wecomUser: next.wecomUser } : { wecomOutsider: (next as { wecomOutsider: string }).wecomOutsider })
        : issueCode(options.open.appId, 600_000, { person: (next as { person: SimulatedPerson }).person });
      redirect.searchParams.set('code', code);
      redirect.searchParams.set('state', state);
    }
    res.writeHead(302, { location: redirect.toString() }).end();
  };

  const errorPage = (res: ServerResponse, message: string) =>
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(`<!doctype html><title>错误</title><p class="error">${message}</p>`);

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const q = (name: string) => url.searchParams.get(name) ?? '';
    const body = await read(req);
    const forced = injectedFor(url.pathname);
    if (forced !== undefined && !['/connect/qrconnect', '/wwlogin/sso/login', '/connect/oauth2/authorize'].includes(url.pathname)) {
      return json(res, error(forced, forced === 45009 ? 'reach max api daily quota limit' : forced === -1 ? 'system error' : 'injected'));
    }

    switch (url.pathname) {
      // ── Open Platform ──────────────────────────────────────────────────────────────────────────────
      case '/connect/qrconnect': {
        if (q('appid') !== options.open.appId) return errorPage(res, 'AppID 参数错误');
        if (q('scope') !== 'snsapi_login') return errorPage(res, 'Scope 参数错误或没有 Scope 权限');
        if (q('response_type') !== 'code') return errorPage(res, 'response_type 参数错误');
        let redirect: URL;
        try {
          redirect = new URL(q('redirect_uri'));
        } catch {
          return errorPage(res, 'redirect_uri 参数错误');
        }
        if (redirect.hostname !== options.open.callbackHost) return errorPage(res, 'redirect_uri 参数错误');
        if (!/^[A-Za-z0-9]{0,128}$/.test(q('state'))) return errorPage(res, 'state 参数错误');
        return loginPage(res, redirect, q('state'), pending.open, false);
      }
      case '/sns/oauth2/access_token': {
        // The website app's codes and the official account's web-authorization codes are exchanged here alike.
        const app = [options.open, options.mp].find((candidate) => candidate.appId === q('appid'));
        if (!app) return json(res, error(40013, 'invalid appid'));
        if (q('secret') !== app.secret) return json(res, error(40125, 'invalid appsecret'));
        if (q('grant_type') !== 'authorization_code') return json(res, error(40002, 'invalid grant_type'));
        if (!q('code')) return json(res, error(41008, 'missing code'));
        const { fail, issued } = useCode(q('code'), app.appId, 40163);
        if (fail) return json(res, fail);
        const person = issued.person!;
        const token = randomBytes(24).toString('base64url');
        snsTokens.set(token, { appId: issued.appId, person });
        const scope = issued.scope ?? 'snsapi_login';
        // unionid comes with snsapi_login and snsapi_userinfo, never with the silent snsapi_base.
        const unionid = person.unionid && scope !== 'snsapi_base' ? { unionid: person.unionid } : {};
        return json(res, {
          access_token: token, expires_in: 7200, refresh_token: randomBytes(24).toString('base64url'),
          openid: person.openids[issued.appId], scope, ...unionid, ...(issued.snapshot ? { is_snapshotuser: 1 } : {}),
        });
      }
      // ── In-app web authorization (official account snsapi_base, WeCom with agentid) ─────────────────────
      case '/connect/oauth2/authorize': {
        const agent = req.headers['user-agent'] ?? '';
        let redirect: URL;
        try {
          redirect = new URL(q('redirect_uri'));
        } catch {
          return errorPage(res, 'redirect_uri 参数错误');
        }
        if (q('response_type') !== 'code') return errorPage(res, 'response_type 参数错误');
        if (!/^[A-Za-z0-9]{0,128}$/.test(q('state'))) return errorPage(res, 'state 参数错误');
        redirect.searchParams.set('state', q('state'));
        if (q('appid') === options.wecom.corpId) {
          if (!/\bwxwork\//.test(agent)) return errorPage(res, '请在企业微信客户端打开链接');
          if (q('agentid') !== options.wecom.agentId) return errorPage(res, '60020 agentid 参数错误');
          if (q('scope') !== 'snsapi_base' && q('scope') !== 'snsapi_privateinfo') return errorPage(res, 'scope 参数错误');
          if (redirect.hostname !== options.wecom.trustedHost) return errorPage(res, '50001 redirect_uri 未登记可信域名');
          const next = inApp.wecom.shift();
          if (!next) return errorPage(res, '请在企业微信客户端打开链接');
          redirect.searchParams.set('code', issueCode(options.wecom.corpId, 300_000, 'wecomUser' in next ? { wecomUser: next.wecomUser } : { wecomOutsider: (next as { wecomOutsider: string }).wecomOutsider }));
          return res.writeHead(302, { location: redirect.toString() }).end();
        }
        if (q('appid') !== options.mp.appId) return errorPage(res, '10016 不支持的 appid');
        if (!/\bMicroMessenger\//.test(agent)) return errorPage(res, '请在微信客户端打开链接');
        if (q('scope') !== 'snsapi_base' && q('scope') !== 'snsapi_userinfo') return errorPage(res, '10005 scope 参数错误或没有 scope 权限');
        if (redirect.hostname !== (options.mp.webAuthHost ?? options.open.callbackHost)) return errorPage(res, '10003 redirect_uri 域名与后台配置不一致');
        const visitor = inApp.wechat.shift();
        if (!visitor) return errorPage(res, '请在微信客户端打开链接');
        redirect.searchParams.set('code', issueCode(options.mp.appId, 300_000, { person: visitor.person, scope: q('scope'), snapshot: visitor.snapshot }));
        return res.writeHead(302, { location: redirect.toString() }).end();
      }
      case '/sns/userinfo': {
        const token = snsTokens.get(q('access_token'));
        if (!token) return json(res, error(40001, 'invalid credential, access_token is invalid or not latest'));
        if (token.person.openids[token.appId] !== q('openid')) return json(res, error(40003, 'invalid openid'));
        return json(res, { openid: q('openid'), nickname: '', sex: 0, province: '', city: '', country: '', headimgurl: '', privilege: [], ...(token.person.unionid ? { unionid: token.person.unionid } : {}) });
      }
      // ── Official account ───────────────────────────────────────────────────────────────────────────
      case '/cgi-bin/token': {
        if (q('grant_type') !== 'client_credential') return json(res, error(40002, 'invalid grant_type'));
        if (q('appid') !== options.mp.appId) return json(res, error(40013, 'invalid appid'));
        if (q('secret') !== options.mp.secret) return json(res, error(40125, 'invalid appsecret'));
        const token = randomBytes(32).toString('base64url');
        appTokens.set(token, options.mp.appId);
        return json(res, { access_token: token, expires_in: 7200 });
      }
      case '/cgi-bin/qrcode/create': {
        if (req.method !== 'POST') return json(res, error(43002, 'require POST method'));
        if (appTokens.get(q('access_token')) !== options.mp.appId) return json(res, error(40001, 'invalid credential, access_token is invalid or not latest'));
        let request: { expire_seconds?: number; action_name?: string; action_info?: { scene?: { scene_str?: string } } };
        try {
          request = JSON.parse(body) as typeof request;
        } catch {
          return json(res, error(40053, 'invalid action info'));
        }
        const scene = request.action_info?.scene?.scene_str ?? '';
        if (request.action_name !== 'QR_STR_SCENE' || scene.length < 1 || scene.length > 64) return json(res, error(40053, 'invalid action info'));
        const seconds = Math.min(request.expire_seconds ?? 60, 2_592_000);
        const ticket = randomBytes(30).toString('base64');
        const qrUrl = `http://weixin.qq.com/q/${randomBytes(12).toString('base64url')}`;
        tickets.set(ticket, { scene, expiresAt: now() + seconds * 1000, url: qrUrl });
        return json(res, { ticket, expire_seconds: seconds, url: qrUrl });
      }
      case '/cgi-bin/user/info': {
        if (appTokens.get(q('access_token')) !== options.mp.appId) return json(res, error(40001, 'invalid credential, access_token is invalid or not latest'));
        const person = [...people.values()].find((candidate) => candidate.openids[options.mp.appId] === q('openid'));
        if (!person) return json(res, error(40003, 'invalid openid'));
        return json(res, { subscribe: 1, openid: q('openid'), nickname: '', headimgurl: '', subscribe_time: Math.floor(now() / 1000), ...(person.unionid ? { unionid: person.unionid } : {}), subscribe_scene: 'ADD_SCENE_QR_CODE' });
      }
      // ── WeCom ──────────────────────────────────────────────────────────────────────────────────────
      case '/wwlogin/sso/login': {
        if (q('login_type') !== 'CorpApp' || q('appid') !== options.wecom.corpId || q('agentid') !== options.wecom.agentId) return errorPage(res, '参数错误');
        let redirect: URL;
        try {
          redirect = new URL(q('redirect_uri'));
        } catch {
          return errorPage(res, 'redirect_uri 参数错误');
        }
        if (redirect.hostname !== options.wecom.trustedHost) return errorPage(res, '50001 redirect_url 未登记可信域名');
        return loginPage(res, redirect, q('state'), pending.wecom, true);
      }
      case '/cgi-bin/gettoken': {
        if (q('corpid') !== options.wecom.corpId) return json(res, error(40013, 'invalid corpid'));
        if (q('corpsecret') !== options.wecom.secret) return json(res, error(40001, 'invalid secret'));
        const token = randomBytes(32).toString('base64url');
        appTokens.set(token, options.wecom.corpId);
        return json(res, { errcode: 0, errmsg: 'ok', access_token: token, expires_in: 7200 });
      }
      case '/cgi-bin/auth/getuserinfo': {
        if (appTokens.get(q('access_token')) !== options.wecom.corpId) return json(res, error(40014, 'invalid access_token'));
        const { fail, issued } = useCode(q('code'), options.wecom.corpId, 40029);
        if (fail) return json(res, fail);
        if (issued.wecomUser) return json(res, { errcode: 0, errmsg: 'ok', userid: issued.wecomUser, user_ticket: randomBytes(16).toString('hex'), expires_in: 1800 });
        return json(res, { errcode: 0, errmsg: 'ok', openid: issued.wecomOutsider, external_userid: `wm${randomBytes(8).toString('hex')}` });
      }
      default:
        res.writeHead(404).end();
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url,
    /** The settings that point our server at this simulator. */
    serverSettings(): Record<string, string> {
      return {
        WECHAT_OPEN_APP_ID: options.open.appId, WECHAT_OPEN_SECRET: options.open.secret, WECHAT_OPEN_BASE_URL: url, WECHAT_API_BASE_URL: url,
        WECHAT_MP_APP_ID: options.mp.appId, WECHAT_MP_SECRET: options.mp.secret, WECHAT_MP_TOKEN: options.mp.token,
        ...(options.mp.aesKey ? { WECHAT_MP_AES_KEY: options.mp.aesKey } : {}),
        WECOM_CORP_ID: options.wecom.corpId, WECOM_AGENT_ID: options.wecom.agentId, WECOM_SECRET: options.wecom.secret,
        WECOM_LOGIN_BASE_URL: url, WECOM_API_BASE_URL: url,
      };
    },
    /** A WeChat user; openids per app are derived from `name` unless given. */
    person(name: string, withUnionid = true): SimulatedPerson {
      const person: SimulatedPerson = {
        unionid: withUnionid ? `o6_bm${createHash('sha1').update(`union:${name}`).digest('base64url').slice(0, 23)}` : undefined,
        openids: Object.fromEntries([options.open.appId, options.mp.appId].map((appId) => [appId, `o${createHash('sha1').update(`${appId}:${name}`).digest('base64url').slice(0, 27)}`])),
      };
      people.set(name, person);
      return person;
    },
    /** The next visit to qrconnect is "scanned and confirmed" by `person` (or denied). */
    scanWebsiteQr(next: SimulatedPerson | 'deny') {
      pending.open.push(next === 'deny' ? { deny: true } : { person: next });
    },
    /** The next visit to the WeCom login page is confirmed by a member (or a WeChat user outside the organisation). */
    scanWecom(userid: string, member = true) {
      pending.wecom.push(member ? { wecomUser: userid } : { wecomOutsider: userid });
    },
    /** The next page opened inside WeChat is `person`'s (snsapi_base is silent); `snapshot`: a snapshot-page visitor. */
    openInWechat(person: SimulatedPerson, snapshot = false) {
      inApp.wechat.push({ person, snapshot });
    },
    /** The next page opened inside WeCom is a member's (or a WeChat user outside the organisation). */
    openInWecom(userid: string, member = true) {
      inApp.wecom.push(member ? { wecomUser: userid } : { wecomOutsider: userid });
    },
    /** The next call to `path` answers with this errcode (e.g. 45009 rate limit, -1 system busy). */
    failNext(path: string, errcode: number) {
      injected.set(path, [...(injected.get(path) ?? []), errcode]);
    },
    /** Moves the simulator's clock (code and QR expiry). */
    advance(ms: number) {
      clockOffsetMs += ms;
    },
    /** The ticket of the latest temporary QR whose `url` is `qrUrl` (what our page encodes in its QR). */
    ticketFor(qrUrl: string): string | undefined {
      return [...tickets].find(([, entry]) => entry.url === qrUrl)?.[0];
    },
    latestTicket(): string | undefined {
      return [...tickets.keys()].at(-1);
    },
    /**
     * `person` scans the temporary QR `ticket`: WeChat pushes subscribe (not yet following) or SCAN to `callbackUrl`,
     * signed with the account's token (or a wrong one), plain or in secure mode. An expired QR pushes nothing.
     */
    async scanOfficialQr(ticket: string, person: SimulatedPerson, callbackUrl: string, push: { following?: boolean; badSignature?: boolean; secure?: boolean } = {}): Promise<PushOutcome | undefined> {
      const entry = tickets.get(ticket);
      if (!entry || entry.expiresAt < now()) return undefined;
      const openid = person.openids[options.mp.appId]!;
      const event = push.following ? 'SCAN' : 'subscribe';
      const eventKey = push.following ? entry.scene : `qrscene_${entry.scene}`;
      const createTime = String(Math.floor(now() / 1000));
      const xml = `<xml><ToUserName><![CDATA[gh_a786fbe98353]]></ToUserName><FromUserName><![CDATA[${openid}]]></FromUserName><CreateTime>${createTime}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[${event}]]></Event><EventKey><![CDATA[${eventKey}]]></EventKey><Ticket><![CDATA[${ticket}]]></Ticket></xml>`;
      const timestamp = createTime;
      const nonce = String(randomBytes(4).readUInt32BE());
      const token = push.badSignature ? `${options.mp.token}x` : options.mp.token;
      const target = new URL(callbackUrl);
      target.searchParams.set('signature', sha1Sorted([token, timestamp, nonce]));
      target.searchParams.set('timestamp', timestamp);
      target.searchParams.set('nonce', nonce);
      target.searchParams.set('openid', openid);
      let payload = xml;
      if (push.secure && options.mp.aesKey) {
        const encrypted = encrypt(options.mp.aesKey, options.mp.appId, xml);
        target.searchParams.set('encrypt_type', 'aes');
        target.searchParams.set('msg_signature', sha1Sorted([token, timestamp, nonce, encrypted]));
        payload = `<xml><ToUserName><![CDATA[gh_a786fbe98353]]></ToUserName><Encrypt><![CDATA[${encrypted}]]></Encrypt></xml>`;
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/xml' }, body: payload, signal: AbortSignal.timeout(5000) });
          return { status: response.status, body: await response.text(), attempts: attempt };
        } catch (failure) {
          if (attempt === 3) throw failure;
        }
      }
    },
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}

export type WechatSimulator = Awaited<ReturnType<typeof startWechatSimulator>>;
