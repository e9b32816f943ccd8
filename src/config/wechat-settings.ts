// WeChat Open Platform, official account and WeCom credentials; each group is on when any of its variables is set.
import type { SettingReader } from './setting-reader.ts';

/** WeChat Open Platform website app, official (service) account and WeCom; base URLs are overridable for simulators. */
export interface WechatConfig {
  open: { appId: string; secret: string; authorizeBaseUrl: string; apiBaseUrl: string } | undefined;
  /** authorizeBaseUrl: where the in-WeChat web authorization (oauth2/authorize, snsapi_base) starts. */
  officialAccount: { appId: string; secret: string; token: string; aesKey: string | undefined; apiBaseUrl: string; authorizeBaseUrl: string } | undefined;
  /** authorizeBaseUrl: where the in-WeCom authorization (oauth2/authorize with agentid) starts. */
  wecom: { corpId: string; agentId: string; secret: string; loginBaseUrl: string; apiBaseUrl: string; authorizeBaseUrl: string } | undefined;
  /** WECHAT_IN_APP: inside the WeChat/WeCom browser, offer its own authorization under the form, or go straight to it. */
  inApp: 'offer' | 'direct';
  /** WECHAT_MFA: which QR a bound WeChat scans to pass the mfa prompt; undefined = WeChat is not a second factor. */
  mfa: 'website' | 'official-account' | undefined;
}

export function wechatSettings(settings: SettingReader): WechatConfig {
  const { problems, read, url, oneOf } = settings;
  // A group is on when any of its variables is set; then all its required ones must be.
  const group = (names: string[], optional: string[] = []): string[] | undefined => {
    if (![...names, ...optional].some((name) => read(name) !== undefined)) return undefined;
    const missing = names.filter((name) => read(name) === undefined);
    if (missing.length) {
      problems.push(`${names.join(', ')} go together: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
      return undefined;
    }
    return names.map((name) => read(name) ?? '');
  };
  const baseUrl = (name: string, fallback: string) => (url(name, ['https:', 'http:']) ?? fallback).replace(/\/+$/, '');
  const apiBaseUrl = baseUrl('WECHAT_API_BASE_URL', 'https://api.weixin.qq.com');
  const authorizeBaseUrl = baseUrl('WECHAT_OPEN_BASE_URL', 'https://open.weixin.qq.com');
  const open = group(['WECHAT_OPEN_APP_ID', 'WECHAT_OPEN_SECRET']);
  const mp = group(['WECHAT_MP_APP_ID', 'WECHAT_MP_SECRET', 'WECHAT_MP_TOKEN'], ['WECHAT_MP_AES_KEY']);
  const wecom = group(['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET']);
  const aesKey = read('WECHAT_MP_AES_KEY');
  if (aesKey !== undefined && !/^[A-Za-z0-9+/]{43}$/.test(aesKey)) {
    problems.push(`WECHAT_MP_AES_KEY must be the 43-character EncodingAESKey from the official account's settings (got ${aesKey.length} characters)`);
  }
  const mpToken = read('WECHAT_MP_TOKEN');
  if (mpToken !== undefined && !/^[A-Za-z0-9]{3,32}$/.test(mpToken)) {
    problems.push('WECHAT_MP_TOKEN must be 3 to 32 letters or digits, as WeChat requires for the server Token');
  }
  // on = the website QR when the Open Platform app is configured, else the official account's temporary QR.
  const mfaSetting = oneOf('WECHAT_MFA', ['off', 'on', 'website', 'official-account'] as const, 'off');
  let mfa: WechatConfig['mfa'] = mfaSetting === 'on' ? (open ? 'website' : mp ? 'official-account' : undefined) : mfaSetting === 'off' ? undefined : mfaSetting;
  if (mfaSetting !== 'off' && (mfa === undefined || (mfa === 'website' && !open) || (mfa === 'official-account' && !mp))) {
    const needs = mfaSetting === 'website' ? 'WECHAT_OPEN_APP_ID and WECHAT_OPEN_SECRET' : mfaSetting === 'official-account' ? 'WECHAT_MP_APP_ID, WECHAT_MP_SECRET and WECHAT_MP_TOKEN' : 'the WeChat website app (WECHAT_OPEN_*) or official account (WECHAT_MP_*)';
    problems.push(`WECHAT_MFA=${mfaSetting} needs ${needs} to be configured`);
    mfa = undefined;
  }
  return {
    mfa,
    inApp: oneOf('WECHAT_IN_APP', ['offer', 'direct'] as const, 'offer'),
    open: open && { appId: open[0]!, secret: open[1]!, authorizeBaseUrl, apiBaseUrl },
    officialAccount: mp && { appId: mp[0]!, secret: mp[1]!, token: mp[2]!, aesKey, apiBaseUrl, authorizeBaseUrl },
    wecom: wecom && {
      corpId: wecom[0]!, agentId: wecom[1]!, secret: wecom[2]!, authorizeBaseUrl,
      loginBaseUrl: baseUrl('WECOM_LOGIN_BASE_URL', 'https://login.work.weixin.qq.com'),
      apiBaseUrl: baseUrl('WECOM_API_BASE_URL', 'https://qyapi.weixin.qq.com'),
    },
  };

}
