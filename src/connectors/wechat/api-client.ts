// The one way our WeChat/WeCom connectors call the vendor: JSON parsed whatever the Content-Type says, errors
// recognised by `errcode` (never by `errmsg`, which carries a request id), every failure an outcome, not a throw.

/** What went wrong, in terms a route can turn into a page. */
export type WechatFailure =
  /** The code was wrong, expired, used, or issued to another app: scan again. */
  | 'invalid_code'
  /** Our appid/secret/token is not accepted (a configuration problem). */
  | 'bad_credentials'
  | 'rate_limited'
  /** WeChat did not answer, answered nonsense, or is busy. */
  | 'unavailable'
  /** WeCom: the person is not a member of the organisation. */
  | 'not_member'
  /** Inside WeChat: a "snapshot page" (朋友圈 preview) visitor, a virtual user that must never be bound. */
  | 'snapshot_user';

export type WechatResult<T> = ({ ok: true } & T) | { ok: false; reason: WechatFailure; errcode?: number };

const codeErrors = new Set([40029, 40163, 42003, 41008, 40030, 42002]);
const credentialErrors = new Set([40013, 40125, 40001, 40014, 42001, 40164, 48001, 40003, 40056, 40091, 41001]);
const rateErrors = new Set([45009, 45011, 45033]);

export function failureOf(errcode: number): WechatFailure {
  if (codeErrors.has(errcode)) return 'invalid_code';
  if (credentialErrors.has(errcode)) return 'bad_credentials';
  if (rateErrors.has(errcode)) return 'rate_limited';
  return 'unavailable';
}

export type FetchJson = (url: string, init?: { method?: string; body?: string }) => Promise<WechatResult<{ body: Record<string, unknown> }>>;

/** Calls `url` and parses its JSON; `errcode` other than 0 becomes a failure. Never throws. */
export function createFetchJson(timeoutMs = 5000): FetchJson {
  return async (url, init = {}) => {
    let text: string;
    try {
      const response = await fetch(url, {
        method: init.method ?? 'GET',
        body: init.body,
        headers: init.body ? { 'content-type': 'application/json' } : undefined,
        signal: AbortSignal.timeout(timeoutMs),
      });
      text = await response.text();
      if (response.status >= 500) return { ok: false, reason: 'unavailable' };
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, reason: 'unavailable' };
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) return { ok: false, reason: 'unavailable' };
    const record = body as Record<string, unknown>;
    const errcode = typeof record.errcode === 'number' ? record.errcode : Number(record.errcode ?? 0);
    if (errcode !== 0 && Number.isFinite(errcode)) return { ok: false, reason: failureOf(errcode), errcode };
    return { ok: true, body: record };
  };
}

export const stringField = (body: Record<string, unknown>, name: string): string | undefined => {
  const value = body[name];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
};

/** An app-level access token fetched once and reused until a minute before it expires (a new fetch voids the old). */
export function cachedToken(fetchToken: () => Promise<WechatResult<{ token: string; expiresIn: number }>>) {
  let cached: { token: string; until: number } | undefined;
  let inFlight: Promise<WechatResult<{ token: string }>> | undefined;
  return {
    async get(): Promise<WechatResult<{ token: string }>> {
      if (cached && cached.until > Date.now()) return { ok: true, token: cached.token };
      inFlight ??= fetchToken().then((result) => {
        inFlight = undefined;
        if (!result.ok) return result;
        cached = { token: result.token, until: Date.now() + Math.max(0, result.expiresIn - 60) * 1000 };
        return { ok: true, token: result.token };
      });
      return inFlight;
    },
    forget() {
      cached = undefined;
    },
  };
}

/** Who the vendor says scanned: the key an identity is bound under. */
export interface ExternalSubject {
  provider: 'wechat' | 'wechat-open' | 'wechat-mp' | 'wecom';
  appId: string;
  subject: string;
}

/** unionid when WeChat gives one (the same person across our apps), else the openid namespaced by the appid. */
export function wechatSubject(channel: 'wechat-open' | 'wechat-mp', appId: string, openid: string, unionid: string | undefined): ExternalSubject {
  return unionid ? { provider: 'wechat', appId: 'unionid', subject: unionid } : { provider: channel, appId, subject: openid };
}
