// The e-mails and SMS words of lost-phone appeals, in zh-CN and en: the appeal was received (with the status
// link when the person cannot sign in), and each decision with the reviewer's note. No code ever, and no link
// except the person's own status link.
import type { Locale } from '../../config/env.ts';
import type { EmailMessage } from './email-sender.ts';

export type AppealDecision = 'approved' | 'rejected';

const words = {
  'zh-CN': {
    signature: '校园统一身份认证',
    receivedSubject: '我们已收到您的手机号申诉',
    received: ['我们已收到您关于“手机无法接收验证码”的申诉，工作人员将在 3 个工作日内审核。', '审核结果会通过邮件和短信（发到您填写的联系电话）通知您。'],
    statusLink: (url: string) => `您可以随时通过以下链接查看、修改或撤回申诉（请勿转发）：${url}`,
    decidedSubject: { approved: '您的手机号申诉已通过', rejected: '您的手机号申诉未通过' },
    approved: ['您的申诉已通过：原手机号已解除绑定，您的账号已在所有设备上退出登录。', '请用密码重新登录，登录时系统会引导您绑定新的手机号。'],
    rejected: ['很抱歉，您的申诉未通过。您可以根据审核意见修改后重新提交。'],
    note: (note: string) => `审核意见：${note}`,
    sms: { received: '申诉已受理', approved: '申诉已通过', rejected: '申诉未通过' },
    notYou: '如果这不是您本人的操作，请立即联系信息化服务台。',
  },
  en: {
    signature: 'Campus sign-in',
    receivedSubject: 'We received your lost-phone appeal',
    received: ['We received your appeal because your phone can no longer receive codes. Staff will review it within 3 working days.', 'You will hear the result by e-mail and by text message to the contact number you gave.'],
    statusLink: (url: string) => `You can check, change or withdraw your appeal at any time here (do not forward this link): ${url}`,
    decidedSubject: { approved: 'Your lost-phone appeal was approved', rejected: 'Your lost-phone appeal was not approved' },
    approved: ['Your appeal was approved: the old phone number was unbound and your account was signed out on every device.', 'Sign in again with your password; you will then be asked to bind a new phone number.'],
    rejected: ['Sorry, your appeal was not approved. You can change it as the reviewer suggests and submit it again.'],
    note: (note: string) => `Reviewer's note: ${note}`,
    sms: { received: 'appeal received', approved: 'appeal approved', rejected: 'appeal not approved' },
    notYou: 'If this was not you, contact the IT help desk now.',
  },
} as const;

const compose = (lines: readonly string[], signature: string) => `${lines.join('\n\n')}\n\n— ${signature}\n`;

export function appealReceivedEmail(input: { to: string; locale: Locale; statusUrl?: string }): EmailMessage {
  const w = words[input.locale];
  const lines = [...w.received, ...(input.statusUrl ? [w.statusLink(input.statusUrl)] : []), w.notYou];
  return { to: input.to, subject: w.receivedSubject, text: compose(lines, w.signature) };
}

export function appealDecisionEmail(input: { to: string; locale: Locale; decision: AppealDecision; note?: string }): EmailMessage {
  const w = words[input.locale];
  const lines = [...w[input.decision], ...(input.note ? [w.note(input.note)] : []), w.notYou];
  return { to: input.to, subject: w.decidedSubject[input.decision], text: compose(lines, w.signature) };
}

/** The few words of the SMS security-notice template (vendors cap variable length). */
export function appealSmsLabel(event: 'received' | AppealDecision, locale: Locale): string {
  return words[locale].sms[event];
}
