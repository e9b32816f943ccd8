// WeCom (企业微信) web login for staff: the wwlogin URL, and code → member userid with the app's corp secret.
import { cachedToken, createFetchJson, stringField, type ExternalSubject, type FetchJson, type WechatResult } from './api-client.ts';

export interface WecomSettings {
  corpId: string;
  agentId: string;
  secret: string;
  /** https://login.work.weixin.qq.com (or a simulator). */
  loginBaseUrl: string;
  /** https://qyapi.weixin.qq.com (or a simulator). */
  apiBaseUrl: string;
}

export function createWecom(settings: WecomSettings, fetchJson: FetchJson = createFetchJson()) {
  const token = cachedToken(async () => {
    const query = new URLSearchParams({ corpid: settings.corpId, corpsecret: settings.secret });
    const result = await fetchJson(`${settings.apiBaseUrl}/cgi-bin/gettoken?${query.toString()}`);
    if (!result.ok) return result;
    const accessToken = stringField(result.body, 'access_token');
    return accessToken ? { ok: true, token: accessToken, expiresIn: Number(result.body.expires_in ?? 7200) } : { ok: false, reason: 'unavailable' };
  });

  const getUserInfo = async (code: string) => {
    const current = await token.get();
    if (!current.ok) return current;
    const query = new URLSearchParams({ access_token: current.token, code });
    return fetchJson(`${settings.apiBaseUrl}/cgi-bin/auth/getuserinfo?${query.toString()}`);
  };

  return {
    authorizeUrl(redirectUri: string, state: string): string {
      const query = new URLSearchParams({ login_type: 'CorpApp', appid: settings.corpId, agentid: settings.agentId, redirect_uri: redirectUri, state });
      return `${settings.loginBaseUrl}/wwlogin/sso/login?${query.toString()}`;
    },

    async exchange(code: string): Promise<WechatResult<{ identity: ExternalSubject }>> {
      let result = await getUserInfo(code);
      // A token voided elsewhere (40014/42001) is fetched again once; the code is still unused then.
      if (!result.ok && (result.errcode === 42001 || result.errcode === 40014)) {
        token.forget();
        result = await getUserInfo(code);
      }
      if (!result.ok) return result;
      // The legacy endpoint spells it UserId; a non-member comes back with openid/external_userid only.
      const userid = stringField(result.body, 'userid') ?? stringField(result.body, 'UserId');
      if (!userid) return { ok: false, reason: 'not_member' };
      return { ok: true, identity: { provider: 'wecom', appId: settings.corpId, subject: userid } };
    },
  };
}

export type Wecom = ReturnType<typeof createWecom>;
