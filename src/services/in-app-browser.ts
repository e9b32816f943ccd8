// Which vendor app's built-in browser a page is open in, from the User-Agent: WeChat says `MicroMessenger/…`;
// WeCom says `wxwork/…` and `MicroMessenger/…` too, so wxwork is checked first.
export type InAppBrowser = 'wechat' | 'wecom';

export function inAppBrowserOf(userAgent: string | undefined): InAppBrowser | undefined {
  if (!userAgent) return undefined;
  if (/\bwxwork\//i.test(userAgent)) return 'wecom';
  if (/\bMicroMessenger\//i.test(userAgent)) return 'wechat';
  return undefined;
}
