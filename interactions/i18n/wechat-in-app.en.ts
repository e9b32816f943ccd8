// English words for signing in from inside the WeChat and WeCom apps (interactions/connect-routes.ts in-app ways
// in); zh-CN in wechat-in-app.zh-CN.ts (typed against this shape).
export const wechatInAppEn = {
  wechat: 'Continue with WeChat',
  wecom: 'Continue with WeCom',
  hint: 'You are inside {app}: a QR code cannot be scanned from the same phone, so {app} confirms who you are directly.',
  apps: { wechat: 'WeChat', wecom: 'WeCom' },
  errors: {
    connect_snapshot_user: 'This page is open in WeChat’s preview mode. Tap “Use full service” (使用完整服务) at the bottom of the screen, then sign in again.',
  },
};

export type WechatInAppMessages = typeof wechatInAppEn;
