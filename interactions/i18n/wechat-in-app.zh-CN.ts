// 简体中文：在微信、企业微信内打开登录页时的登录方式（键与 wechat-in-app.en.ts 相同）。
import type { WechatInAppMessages } from './wechat-in-app.en.ts';

export const wechatInAppZhCN: WechatInAppMessages = {
  wechat: '使用微信继续',
  wecom: '使用企业微信继续',
  hint: '您正在{app}中打开本页：同一部手机无法扫描自己屏幕上的二维码，因此由{app}直接确认您的身份。',
  apps: { wechat: '微信', wecom: '企业微信' },
  errors: {
    connect_snapshot_user: '本页正以微信“快照”预览模式打开。请点击屏幕下方的“使用完整服务”，然后重新登录。',
  },
};
