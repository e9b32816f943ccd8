// SMS_PROVIDER and its vendor credentials, and the send budgets checked before any text leaves.
import type { SettingReader } from './setting-reader.ts';

/** Which SMS gateway sends codes (SMS_PROVIDER), its credentials, and the send budgets checked before it is called. */
export type SmsConfig = {
  budgets: { cooldownSeconds: number; perNumberPerDay: number; perAccountPerDay: number; perIpPerDay: number; globalPerDay: number };
} & (
  | { provider: 'memory'; /** SMS_OUTBOX_LOG_CODES: the development outbox logs each code (never in production). */ outboxLogCodes: boolean }
  | { provider: 'tencent'; tencent: { secretId: string; secretKey: string; sdkAppId: string; signName: string; templateId: string; noticeTemplateId?: string; region: string; endpoint: string } }
  | { provider: 'aliyun'; aliyun: { accessKeyId: string; accessKeySecret: string; signName: string; templateCode: string; noticeTemplateCode?: string; endpoint: string } }
);

export function smsSettings(settings: SettingReader): SmsConfig {
  const { problems, read, integer, oneOf, boolean, url } = settings;
  const budgets = {
    cooldownSeconds: integer('SMS_RESEND_COOLDOWN', 60, 10, 3600),
    perNumberPerDay: integer('SMS_BUDGET_PER_NUMBER', 10, 1, 1000),
    perAccountPerDay: integer('SMS_BUDGET_PER_ACCOUNT', 10, 1, 1000),
    perIpPerDay: integer('SMS_BUDGET_PER_IP', 30, 1, 1_000_000),
    globalPerDay: integer('SMS_BUDGET_GLOBAL', 20_000, 1, 100_000_000),
  };
  const required = (names: string[]): string[] => {
    const missing = names.filter((name) => read(name) === undefined);
    if (missing.length) problems.push(`SMS_PROVIDER=${read('SMS_PROVIDER')} needs ${missing.join(', ')}`);
    return names.map((name) => read(name) ?? '');
  };
  const provider = oneOf('SMS_PROVIDER', ['memory', 'tencent', 'aliyun'], 'memory');
  const outboxLogCodes = boolean('SMS_OUTBOX_LOG_CODES', false);
  if (outboxLogCodes && read('NODE_ENV') === 'production') {
    problems.push('SMS_OUTBOX_LOG_CODES=true writes live sign-in codes to the log and is refused when NODE_ENV=production; remove it');
  }
  if (provider === 'tencent') {
    const [secretId, secretKey, sdkAppId, signName, templateId] = required(['TENCENT_SMS_SECRET_ID', 'TENCENT_SMS_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_ID']) as [string, string, string, string, string];
    const endpoint = url('TENCENT_SMS_ENDPOINT', ['https:', 'http:']) ?? 'https://sms.tencentcloudapi.com';
    return { budgets, provider, tencent: { secretId, secretKey, sdkAppId, signName, templateId, noticeTemplateId: read('TENCENT_SMS_NOTICE_TEMPLATE_ID'), region: read('TENCENT_SMS_REGION') ?? 'ap-guangzhou', endpoint } };
  }
  if (provider === 'aliyun') {
    const [accessKeyId, accessKeySecret, signName, templateCode] = required(['ALIYUN_SMS_ACCESS_KEY_ID', 'ALIYUN_SMS_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE']) as [string, string, string, string];
    const endpoint = url('ALIYUN_SMS_ENDPOINT', ['https:', 'http:']) ?? 'https://dysmsapi.aliyuncs.com';
    return { budgets, provider, aliyun: { accessKeyId, accessKeySecret, signName, templateCode, noticeTemplateCode: read('ALIYUN_SMS_NOTICE_TEMPLATE_CODE'), endpoint } };
  }
  return { budgets, provider, outboxLogCodes };

}
