// WeChat Open Platform website login (网站应用微信登录): the qrconnect URL our sign-in page sends the browser to,
// and the server-side exchange of the returned code (with the AppSecret) for the person's unionid/openid.
import { createFetchJson, stringField, wechatSubject, type ExternalSubject, type FetchJson, type WechatResult } from './api-client.ts';

export interface OpenPlatformSettings {
  appId: string;
  secret: string;
  /** https://open.weixin.qq.com (or a simulator). */
  authorizeBaseUrl: string;
  /** https://api.weixin.qq.com (or a simulator). */
  apiBaseUrl: string;
}

export function createOpenPlatform(settings: OpenPlatformSettings, fetchJson: FetchJson = createFetchJson()) {
  return {
    /** `state` must be alphanumeric and at most 128 bytes (WeChat rejects anything else). */
    authorizeUrl(redirectUri: string, state: string): string {
      const query = new URLSearchParams({ appid: settings.appId, redirect_uri: redirectUri, response_type: 'code', scope: 'snsapi_login', state });
      return `${settings.authorizeBaseUrl}/connect/qrconnect?${query.toString()}#wechat_redirect`;
    },

    async exchange(code: string): Promise<WechatResult<{ identity: ExternalSubject; openid: string }>> {
      const query = new URLSearchParams({ appid: settings.appId, secret: settings.secret, code, grant_type: 'authorization_code' });
      const result = await fetchJson(`${settings.apiBaseUrl}/sns/oauth2/access_token?${query.toString()}`);
      if (!result.ok) return result;
      const openid = stringField(result.body, 'openid');
      if (!openid) return { ok: false, reason: 'unavailable' };
      return { ok: true, openid, identity: wechatSubject('wechat-open', settings.appId, openid, stringField(result.body, 'unionid')) };
    },
  };
}

export type OpenPlatform = ReturnType<typeof createOpenPlatform>;
