// The WeChat and WeCom built-in browsers are told apart from each other and from ordinary phone browsers.
import { describe, expect, it } from 'vitest';
import { inAppBrowserOf } from './in-app-browser.ts';

describe('inAppBrowserOf', () => {
  it('recognises WeChat, WeCom (which also says MicroMessenger) and neither', () => {
    const wechat = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.49(0x18003129) NetType/WIFI Language/zh_CN';
    const wecom = 'Mozilla/5.0 (Linux; Android 14; V2302A Build/UP1A; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 wxwork/4.1.22 MicroMessenger/7.0.1 NetType/WIFI Language/zh';
    const safari = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1';
    expect(inAppBrowserOf(wechat)).toBe('wechat');
    expect(inAppBrowserOf(wecom)).toBe('wecom');
    expect(inAppBrowserOf(safari)).toBeUndefined();
    expect(inAppBrowserOf('')).toBeUndefined();
    expect(inAppBrowserOf(undefined)).toBeUndefined();
  });
});
