// The e-mails the IdP sends, in zh-CN and en: plain sentences a student understands, no links to click, and a
// way out ("contact the IT help desk") whenever the person did not ask for the message.
import type { Locale } from '../../config/env.ts';
import type { EmailMessage } from './email-sender.ts';

export type CodePurpose = 'sign_in' | 'verify_email' | 'reset_password' | 'appeal';

export type SecurityEvent =
  | 'factor_added'
  | 'factor_removed'
  | 'factor_renamed'
  | 'recovery_codes_regenerated'
  | 'trusted_devices_revoked'
  | 'password_changed'
  | 'contact_changed'
  | 'app_password_created'
  | 'app_password_revoked'
  | 'external_identity_linked'
  | 'external_identity_unlinked'
  | 'account_disabled'
  | 'account_enabled'
  | 'password_change_required'
  | 'signed_out_everywhere';

export const securityEvents: readonly SecurityEvent[] = [
  'factor_added',
  'factor_removed',
  'factor_renamed',
  'recovery_codes_regenerated',
  'trusted_devices_revoked',
  'password_changed',
  'contact_changed',
  'app_password_created',
  'app_password_revoked',
  'external_identity_linked',
  'external_identity_unlinked',
  'account_disabled',
  'account_enabled',
  'password_change_required',
  'signed_out_everywhere',
];

const words = {
  'zh-CN': {
    signature: '校园统一身份认证',
    codeSubject: '您的验证码',
    purpose: { sign_in: '登录', verify_email: '验证邮箱地址', reset_password: '重置密码', appeal: '提交手机号申诉' } satisfies Record<CodePurpose, string>,
    codeBody: (code: string, minutes: number, purpose: string) =>
      [`您正在${purpose}，验证码是：${code}`, `验证码 ${minutes} 分钟内有效，请勿告诉任何人，工作人员也不会向您索要。`, '如果这不是您本人的操作，请忽略本邮件，并联系信息化服务台。'],
    noticeSubject: '账号安全提醒',
    label: {
      factor_added: '添加验证方式',
      factor_removed: '删除验证方式',
      factor_renamed: '重命名验证方式',
      recovery_codes_regenerated: '重新生成恢复码',
      trusted_devices_revoked: '取消受信任浏览器',
      password_changed: '修改密码',
      contact_changed: '变更联系方式',
      app_password_created: '创建应用专用密码',
      app_password_revoked: '撤销应用专用密码',
      external_identity_linked: '绑定微信或企业微信',
      external_identity_unlinked: '解除微信或企业微信绑定',
      account_disabled: '账号停用',
      account_enabled: '账号启用',
      password_change_required: '要求修改密码',
      signed_out_everywhere: '全部退出登录',
    } satisfies Record<SecurityEvent, string>,
    event: {
      factor_added: '您的账号添加了一种新的登录验证方式',
      factor_removed: '您的账号删除了一种登录验证方式',
      factor_renamed: '您的账号中一种登录验证方式被重新命名',
      recovery_codes_regenerated: '您的账号重新生成了恢复码，旧的恢复码已全部失效',
      trusted_devices_revoked: '您的账号已取消所有受信任的浏览器，下次登录需要再次验证',
      password_changed: '您的账号密码已修改',
      contact_changed: '您的账号联系方式（手机号或邮箱）已变更',
      app_password_created: '您的账号创建了一个新的应用专用密码（供邮件客户端等程序使用）',
      app_password_revoked: '您的账号撤销了一个应用专用密码，使用它的程序将无法再登录',
      external_identity_linked: '您的账号绑定了一个微信或企业微信，今后可以用它扫码登录',
      external_identity_unlinked: '您的账号解除了一个微信或企业微信的绑定，它将无法再用于登录',
      account_disabled: '管理员停用了您的账号，您已在所有设备上退出登录',
      account_enabled: '管理员重新启用了您的账号',
      password_change_required: '管理员要求您在下次登录时设置新密码，您已在所有设备上退出登录',
      signed_out_everywhere: '管理员让您的账号在所有设备上退出了登录',
    } satisfies Record<SecurityEvent, string>,
    noticeBody: (event: string, at: string) =>
      [`${event}。`, `时间：${at}`, '如果是您本人的操作，无需处理。', '如果这不是您本人的操作，请立即修改密码，并联系信息化服务台。'],
  },
  en: {
    signature: 'Campus sign-in',
    codeSubject: 'Your verification code',
    purpose: { sign_in: 'sign in', verify_email: 'confirm this e-mail address', reset_password: 'reset your password', appeal: 'send a lost-phone appeal' } satisfies Record<CodePurpose, string>,
    codeBody: (code: string, minutes: number, purpose: string) =>
      [`Your code to ${purpose} is: ${code}`, `It works for ${minutes} minutes. Do not share it with anyone; staff will never ask you for it.`, 'If this was not you, ignore this e-mail and contact the IT help desk.'],
    noticeSubject: 'Security notice for your account',
    label: {
      factor_added: 'method added',
      factor_removed: 'method removed',
      factor_renamed: 'method renamed',
      recovery_codes_regenerated: 'new recovery codes',
      trusted_devices_revoked: 'browsers untrusted',
      password_changed: 'password changed',
      contact_changed: 'contact changed',
      app_password_created: 'app password created',
      app_password_revoked: 'app password revoked',
      external_identity_linked: 'WeChat or WeCom bound',
      external_identity_unlinked: 'WeChat or WeCom unbound',
      account_disabled: 'account disabled',
      account_enabled: 'account enabled',
      password_change_required: 'new password required',
      signed_out_everywhere: 'signed out everywhere',
    } satisfies Record<SecurityEvent, string>,
    event: {
      factor_added: 'A new sign-in verification method was added to your account',
      factor_removed: 'A sign-in verification method was removed from your account',
      factor_renamed: 'A sign-in verification method on your account was renamed',
      recovery_codes_regenerated: 'New recovery codes were created for your account; the old ones no longer work',
      trusted_devices_revoked: 'All trusted browsers were removed from your account; you will be asked to verify again at the next sign-in',
      password_changed: 'The password of your account was changed',
      contact_changed: 'The phone number or e-mail address of your account was changed',
      app_password_created: 'A new app password (for a mail client or another program) was created for your account',
      app_password_revoked: 'An app password of your account was revoked; programs using it can no longer sign in',
      external_identity_linked: 'A WeChat or WeCom account was bound to your account; it can now sign you in by scanning',
      external_identity_unlinked: 'A WeChat or WeCom account was unbound from your account; it can no longer sign you in',
      account_disabled: 'An administrator disabled your account and signed it out everywhere',
      account_enabled: 'An administrator enabled your account again',
      password_change_required: 'An administrator asked you to choose a new password at your next sign-in and signed your account out everywhere',
      signed_out_everywhere: 'An administrator signed your account out everywhere',
    } satisfies Record<SecurityEvent, string>,
    noticeBody: (event: string, at: string) =>
      [`${event}.`, `Time: ${at}`, 'If this was you, there is nothing to do.', 'If this was not you, change your password now and contact the IT help desk.'],
  },
} as const;

function formatTime(at: Date, locale: Locale, timeZone: string): string {
  const fields = { year: 'numeric', month: 'long', day: 'numeric', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone } as const;
  if (locale === 'en') return new Intl.DateTimeFormat('en', { ...fields, timeZoneName: 'short' }).format(at);
  return `${new Intl.DateTimeFormat('zh-CN', fields).format(at)}（${timeZone === 'Asia/Shanghai' ? '北京时间' : timeZone}）`;
}

/** A few words for an SMS template variable (vendors cap their length), e.g. 修改密码. */
export function securityEventLabel(event: SecurityEvent, locale: Locale): string {
  return words[locale].label[event];
}

const compose = (lines: readonly string[], signature: string) => `${lines.join('\n\n')}\n\n— ${signature}\n`;

export function verificationCodeEmail(input: { to: string; code: string; minutes: number; locale: Locale; purpose: CodePurpose }): EmailMessage {
  const w = words[input.locale];
  return { to: input.to, subject: w.codeSubject, text: compose(w.codeBody(input.code, input.minutes, w.purpose[input.purpose]), w.signature) };
}

export function securityNoticeEmail(input: { to: string; locale: Locale; event: SecurityEvent; at: Date; timeZone?: string }): EmailMessage {
  const w = words[input.locale];
  const at = formatTime(input.at, input.locale, input.timeZone ?? 'Asia/Shanghai');
  return { to: input.to, subject: w.noticeSubject, text: compose(w.noticeBody(w.event[input.event], at), w.signature) };
}
