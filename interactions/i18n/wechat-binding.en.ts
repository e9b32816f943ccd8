// English words for WeChat as a second factor (the mfa prompt), binding WeChat from /account/connections, and
// moving a WeChat from one campus ID to another; zh-CN in wechat-binding.zh-CN.ts (typed against this shape).
export const wechatBindingEn = {
  mfaOr: 'Or confirm with the WeChat bound to your account',
  mfaLink: 'Confirm with WeChat',
  mfaHint: 'Scan with the WeChat you bound to this campus ID. A WeChat bound to another ID is refused.',
  mfaQrTitle: 'Confirm with WeChat',
  mfaQrIntro: 'Open WeChat on your phone, tap + and then Scan, and scan this code with the WeChat bound to your campus ID.',
  mfaScanned: 'Scanned. Checking…',
  mfaBack: 'Back to the other ways to verify',
  bindTitle: 'Bind a WeChat',
  bindIntro: 'Scan with WeChat to bind it to this campus ID; from then on it can sign you in by scanning.',
  bindButton: 'Bind WeChat',
  confirmBind: 'You are about to bind a WeChat to this campus ID. It will be able to sign you in by scanning.',
  notices: {
    bound: 'Bound. This WeChat can now sign you in by scanning.',
    already: 'This WeChat was already bound to this campus ID. Nothing changed.',
    moved: 'Moved. This WeChat is now bound to this campus ID and no longer to the other one; both were notified.',
  },
  switchTitle: 'This WeChat is bound to another campus ID',
  switchIntro: 'The WeChat you scanned already signs in to another campus ID. One WeChat can be bound to one campus ID only, e.g. a graduate who became a staff member keeps one WeChat for the new ID.',
  switchWayUnbind: 'Either sign in to the other ID, open “WeChat and WeCom” on its account page and unbind this WeChat there; then bind it here.',
  switchWayNow: 'Or move it now: enter the login ID and password of the other campus ID. The WeChat is unbound from it and bound to this ID in one step, and both IDs are notified.',
  switchLoginId: 'Login ID of the other campus ID',
  switchPassword: 'Password of the other campus ID',
  switchSubmit: 'Move this WeChat to this campus ID',
  switchCancel: 'Cancel, keep it where it is',
  switchSameAccount: 'That is this campus ID. Enter the login ID and password of the ID the WeChat is bound to now.',
  errors: {
    wechat_mfa_other_account: 'This WeChat is bound to another campus ID, so it cannot confirm this sign-in. If it should belong to this ID: sign in to the other ID, unbind it under “WeChat and WeCom”, and bind it to this ID from your account page. Or use another way to verify.',
    wechat_mfa_unbound: 'This WeChat is not bound to any campus ID, so it cannot confirm this sign-in. Scan with the WeChat bound to this ID, or use another way to verify; you can bind this one on your account page afterwards.',
    wechat_mfa_failed: 'WeChat did not confirm: the scan was cancelled or expired, or WeChat cannot be reached right now. Scan again, or use another way to verify.',
    wechat_mfa_expired: 'This WeChat confirmation is no longer valid: it was used already or took longer than 10 minutes. Choose “Confirm with WeChat” again.',
    wechat_bind_expired: 'This binding is no longer valid: it was used already, took longer than 10 minutes, or was started in another browser. Choose “Bind WeChat” again.',
    wechat_bind_failed: 'WeChat did not confirm the binding: the scan was cancelled or expired, or WeChat cannot be reached right now. Choose “Bind WeChat” again.',
  },
};

export type WechatBindingMessages = typeof wechatBindingEn;
