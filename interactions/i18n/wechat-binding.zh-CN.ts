// 简体中文：微信作为第二因素、在账号页面扫码绑定微信、把微信从一个校园账号转到另一个（键与 wechat-binding.en.ts 相同）。
import type { WechatBindingMessages } from './wechat-binding.en.ts';

export const wechatBindingZhCN: WechatBindingMessages = {
  mfaOr: '或使用绑定到您账号的微信确认',
  mfaLink: '使用微信确认',
  mfaHint: '请用绑定到此校园账号的微信扫码。绑定到其他账号的微信会被拒绝。',
  mfaQrTitle: '使用微信确认',
  mfaQrIntro: '打开手机微信，点“+”再点“扫一扫”，用绑定到您校园账号的微信扫描此二维码。',
  mfaScanned: '已扫码，正在核对…',
  mfaBack: '返回其他验证方式',
  bindTitle: '绑定微信',
  bindIntro: '用微信扫码即可把它绑定到此校园账号，之后可以用它扫码登录。',
  bindButton: '绑定微信',
  confirmBind: '您将为此校园账号绑定一个微信，之后它可以扫码登录此账号。',
  notices: {
    bound: '已绑定。今后可以用这个微信扫码登录。',
    already: '这个微信已经绑定在此校园账号上，未做任何更改。',
    moved: '已转移。这个微信现在绑定到此校园账号，不再绑定到原账号；两个账号都已收到通知。',
  },
  switchTitle: '这个微信已绑定到另一个校园账号',
  switchIntro: '您扫码的微信已经可以登录另一个校园账号。一个微信只能绑定一个校园账号，例如毕业后留校工作的同学，可以把微信改绑到新的工号。',
  switchWayUnbind: '方法一：登录另一个账号，在其账号页面的“微信和企业微信”中解除这个微信的绑定，然后回到这里绑定。',
  switchWayNow: '方法二：现在就转移。输入另一个校园账号的登录名和密码，微信会在同一步中从原账号解绑并绑定到此账号，两个账号都会收到通知。',
  switchLoginId: '另一个校园账号的登录名',
  switchPassword: '另一个校园账号的密码',
  switchSubmit: '把这个微信转到此校园账号',
  switchCancel: '取消，保持原样',
  switchSameAccount: '这是当前的校园账号。请输入微信目前所绑定账号的登录名和密码。',
  errors: {
    wechat_mfa_other_account: '这个微信绑定的是另一个校园账号，不能用来确认本次登录。如果它应该属于此账号：请登录另一个账号，在“微信和企业微信”中解除绑定，再从此账号的账号页面绑定。也可以改用其他验证方式。',
    wechat_mfa_unbound: '这个微信尚未绑定任何校园账号，不能用来确认本次登录。请用绑定到此账号的微信扫码，或改用其他验证方式；登录后可以在账号页面绑定这个微信。',
    wechat_mfa_failed: '微信未确认：扫码已取消或过期，或暂时无法连接微信。请重新扫码，或改用其他验证方式。',
    wechat_mfa_expired: '本次微信确认已失效：已经使用过，或超过了 10 分钟。请重新选择“使用微信确认”。',
    wechat_bind_expired: '本次绑定已失效：已经使用过、超过了 10 分钟，或是在另一个浏览器中开始的。请重新点击“绑定微信”。',
    wechat_bind_failed: '微信未确认绑定：扫码已取消或过期，或暂时无法连接微信。请重新点击“绑定微信”。',
  },
};
