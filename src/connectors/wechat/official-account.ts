// WeChat official (service) account "scan to sign in": a temporary parametric QR per sign-in, the signed event
// WeChat pushes when someone scans it (plain or secure mode), and openid → unionid through user/info.
import { cachedToken, createFetchJson, stringField, wechatSubject, type ExternalSubject, type FetchJson, type WechatResult } from './api-client.ts';
import { decryptMessage, signatureMatches, wechatSignature } from './signature.ts';

export interface OfficialAccountSettings {
  appId: string;
  secret: string;
  /** The server Token set in the account's developer settings; signs every push. */
  token: string;
  /** EncodingAESKey (43 characters) for secure mode; undefined = plain mode only. */
  aesKey: string | undefined;
  /** https://api.weixin.qq.com (or a simulator). */
  apiBaseUrl: string;
}

export interface ScanEvent {
  openid: string;
  /** subscribe (first follow through the QR) or SCAN (already following). */
  event: 'subscribe' | 'SCAN';
  /** The scene string of our QR, with subscribe's `qrscene_` prefix removed. */
  scene: string;
  createTime: string;
}

export type EventReading = { ok: false; reason: 'bad_signature' | 'unreadable' } | { ok: true; scan: ScanEvent | undefined };

/** The text of a flat `<xml>` element's child, CDATA or not. */
export function xmlField(xml: string, name: string): string | undefined {
  const match = new RegExp(`<${name}>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${name}>`).exec(xml);
  return match ? (match[1] ?? match[2] ?? '') : undefined;
}

type Query = Record<string, unknown>;
const text = (value: unknown) => (typeof value === 'string' ? value : '');

export function createOfficialAccount(settings: OfficialAccountSettings, fetchJson: FetchJson = createFetchJson()) {
  const api = settings.apiBaseUrl;
  const token = cachedToken(async () => {
    const query = new URLSearchParams({ grant_type: 'client_credential', appid: settings.appId, secret: settings.secret });
    const result = await fetchJson(`${api}/cgi-bin/token?${query.toString()}`);
    if (!result.ok) return result;
    const accessToken = stringField(result.body, 'access_token');
    return accessToken ? { ok: true, token: accessToken, expiresIn: Number(result.body.expires_in ?? 7200) } : { ok: false, reason: 'unavailable' };
  });

  /** Calls `call` with the app token; once more with a fresh token when WeChat says it was voided. */
  const withToken = async (call: (accessToken: string) => ReturnType<FetchJson>) => {
    for (let attempt = 0; ; attempt++) {
      const current = await token.get();
      if (!current.ok) return current;
      const result = await call(current.token);
      if (!result.ok && attempt === 0 && (result.errcode === 40001 || result.errcode === 42001 || result.errcode === 40014)) {
        token.forget();
        continue;
      }
      return result;
    }
  };

  const plainSignatureOk = (query: Query) =>
    signatureMatches(wechatSignature([settings.token, text(query.timestamp), text(query.nonce)]), query.signature);

  return {
    /** A temporary QR whose scan pushes `scene` to our callback; `url` is what the QR encodes. */
    async createLoginQr(scene: string, expireSeconds: number): Promise<WechatResult<{ ticket: string; url: string; expireSeconds: number }>> {
      const body = JSON.stringify({ expire_seconds: expireSeconds, action_name: 'QR_STR_SCENE', action_info: { scene: { scene_str: scene } } });
      const result = await withToken((accessToken) => fetchJson(`${api}/cgi-bin/qrcode/create?access_token=${encodeURIComponent(accessToken)}`, { method: 'POST', body }));
      if (!result.ok) return result;
      const ticket = stringField(result.body, 'ticket');
      const url = stringField(result.body, 'url');
      if (!ticket || !url) return { ok: false, reason: 'unavailable' };
      return { ok: true, ticket, url, expireSeconds: Number(result.body.expire_seconds ?? expireSeconds) };
    },

    /** The server-URL check WeChat makes when the URL is saved: the echostr back, or undefined when unsigned. */
    verifyUrl(query: Query): string | undefined {
      return plainSignatureOk(query) && typeof query.echostr === 'string' ? query.echostr : undefined;
    },

    /** Checks the push's signature (and decrypts it in secure mode); `scan` is set for our QR's scan events. */
    readEvent(query: Query, body: string): EventReading {
      if (!plainSignatureOk(query)) return { ok: false, reason: 'bad_signature' };
      let xml = body;
      if (query.encrypt_type === 'aes') {
        const encrypted = xmlField(body, 'Encrypt');
        if (!settings.aesKey || !encrypted) return { ok: false, reason: 'unreadable' };
        const expected = wechatSignature([settings.token, text(query.timestamp), text(query.nonce), encrypted]);
        if (!signatureMatches(expected, query.msg_signature)) return { ok: false, reason: 'bad_signature' };
        const decrypted = decryptMessage(settings.aesKey, settings.appId, encrypted);
        if (decrypted === undefined) return { ok: false, reason: 'unreadable' };
        xml = decrypted;
      }
      if (xmlField(xml, 'MsgType') !== 'event') return { ok: true, scan: undefined };
      const event = xmlField(xml, 'Event');
      const openid = xmlField(xml, 'FromUserName');
      const key = xmlField(xml, 'EventKey') ?? '';
      if ((event !== 'subscribe' && event !== 'SCAN') || !openid) return { ok: true, scan: undefined };
      const scene = event === 'subscribe' ? key.replace(/^qrscene_/, '') : key;
      if (!scene) return { ok: true, scan: undefined };
      return { ok: true, scan: { openid, event, scene, createTime: xmlField(xml, 'CreateTime') ?? '' } };
    },

    /** The push carries only the openid: user/info adds the unionid when the account is bound to an open platform. */
    async resolveIdentity(openid: string): Promise<WechatResult<{ identity: ExternalSubject }>> {
      const result = await withToken((accessToken) =>
        fetchJson(`${api}/cgi-bin/user/info?${new URLSearchParams({ access_token: accessToken, openid, lang: 'zh_CN' }).toString()}`));
      if (!result.ok) return result;
      return { ok: true, identity: wechatSubject('wechat-mp', settings.appId, openid, stringField(result.body, 'unionid')) };
    },
  };
}

export type OfficialAccount = ReturnType<typeof createOfficialAccount>;
