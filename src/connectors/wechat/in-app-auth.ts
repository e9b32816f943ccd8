// Sign-in from inside the WeChat and WeCom apps, where a page cannot scan its own QR: the official account's web
// authorization (oauth2/authorize, scope snsapi_base, silent) with code → sns/oauth2/access_token on the account's
// AppSecret, and WeCom's in-app authorization (the same URL with the corp ID and agentid) whose code is read by
// the WeCom web login's own getuserinfo exchange.
import { createFetchJson, stringField, wechatSubject, type ExternalSubject, type FetchJson, type WechatResult } from './api-client.ts';
import type { Wecom } from './wecom.ts';

export interface OfficialAccountWebAuthSettings {
  appId: string;
  secret: string;
  /** https://open.weixin.qq.com (or a simulator). */
  authorizeBaseUrl: string;
  /** https://api.weixin.qq.com (or a simulator). */
  apiBaseUrl: string;
}

/** The in-app authorization URL; `#wechat_redirect` is required by WeChat, and `state` must be alphanumeric. */
function oauthAuthorizeUrl(baseUrl: string, params: Record<string, string>): string {
  return `${baseUrl}/connect/oauth2/authorize?${new URLSearchParams(params).toString()}#wechat_redirect`;
}

/**
 * snsapi_base gives the openid only (a unionid only comes with snsapi_userinfo): when the token has none,
 * `resolveIdentity` (the account's user/info) adds it, so a person bound on the website app is found again.
 */
export function createOfficialAccountWebAuth(
  settings: OfficialAccountWebAuthSettings,
  resolveIdentity: (openid: string) => Promise<WechatResult<{ identity: ExternalSubject }>>,
  fetchJson: FetchJson = createFetchJson(),
) {
  return {
    authorizeUrl(redirectUri: string, state: string): string {
      return oauthAuthorizeUrl(settings.authorizeBaseUrl, { appid: settings.appId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state });
    },

    async exchange(code: string): Promise<WechatResult<{ identity: ExternalSubject }>> {
      const query = new URLSearchParams({ appid: settings.appId, secret: settings.secret, code, grant_type: 'authorization_code' });
      const result = await fetchJson(`${settings.apiBaseUrl}/sns/oauth2/access_token?${query.toString()}`);
      if (!result.ok) return result;
      // A "snapshot page" visitor (朋友圈 preview) is a virtual user with a throwaway openid: never sign in or bind it.
      if (Number(result.body.is_snapshotuser ?? 0) === 1) return { ok: false, reason: 'snapshot_user' };
      const openid = stringField(result.body, 'openid');
      if (!openid) return { ok: false, reason: 'unavailable' };
      const unionid = stringField(result.body, 'unionid');
      if (unionid) return { ok: true, identity: wechatSubject('wechat-mp', settings.appId, openid, unionid) };
      return resolveIdentity(openid);
    },
  };
}

export function createWecomInApp(settings: { corpId: string; agentId: string; authorizeBaseUrl: string }, wecom: Pick<Wecom, 'exchange'>) {
  return {
    authorizeUrl(redirectUri: string, state: string): string {
      return oauthAuthorizeUrl(settings.authorizeBaseUrl, { appid: settings.corpId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_base', state, agentid: settings.agentId });
    },
    exchange: (code: string) => wecom.exchange(code),
  };
}
