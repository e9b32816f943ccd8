// Tencent Cloud SMS, API 3.0 SendSms (version 2021-01-11), signed with TC3-HMAC-SHA256 as documented; the
// endpoint is configurable so tests talk to a local simulator with the same wire format.
import { createHash, createHmac } from 'node:crypto';
import { noTemplate, unavailable, type SmsSender, type SmsResult } from './sms-sender.ts';

export interface TencentSmsConfig {
  secretId: string;
  secretKey: string;
  sdkAppId: string;
  signName: string;
  templateId: string;
  /** Template for security notices (one parameter: the event); unset = notices are not sent by SMS. */
  noticeTemplateId?: string;
  region: string;
  /** https://sms.tencentcloudapi.com in production. */
  endpoint: string;
  timeoutMs?: number;
}

const sha256 = (value: string) => createHash('sha256').update(value, 'utf8').digest('hex');
const hmac = (key: Buffer | string, value: string) => createHmac('sha256', key).update(value, 'utf8').digest();

/** TC3-HMAC-SHA256 for a JSON POST to `/`, signing content-type and host. */
export function signTc3(input: { secretId: string; secretKey: string; service: string; host: string; timestamp: number; body: string }) {
  const date = new Date(input.timestamp * 1000).toISOString().slice(0, 10);
  const canonicalRequest = `POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:${input.host}\n\ncontent-type;host\n${sha256(input.body)}`;
  const scope = `${date}/${input.service}/tc3_request`;
  const stringToSign = `TC3-HMAC-SHA256\n${input.timestamp}\n${scope}\n${sha256(canonicalRequest)}`;
  const kDate = hmac(`TC3${input.secretKey}`, date);
  const kService = hmac(kDate, input.service);
  const kSigning = hmac(kService, 'tc3_request');
  const signature = createHmac('sha256', kSigning).update(stringToSign, 'utf8').digest('hex');
  return {
    hashedCanonicalRequest: sha256(canonicalRequest),
    signature,
    authorization: `TC3-HMAC-SHA256 Credential=${input.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`,
  };
}

const rateLimited = new Set(['LimitExceeded.DeliveryFrequencyLimit', 'LimitExceeded.PhoneNumberDailyLimit', 'LimitExceeded.PhoneNumberThirtySecondLimit', 'LimitExceeded.PhoneNumberOneHourLimit', 'LimitExceeded.PhoneNumberSameContentDailyLimit']);
const badNumber = new Set(['InvalidParameterValue.IncorrectPhoneNumber', 'FailedOperation.PhoneNumberInBlacklist', 'UnsupportedOperation.UnsupportedRegion']);

function classify(code: string): SmsResult {
  if (rateLimited.has(code) || code.startsWith('LimitExceeded.')) return { ok: false, reason: 'rate_limited', vendorCode: code, retryable: true };
  if (badNumber.has(code)) return { ok: false, reason: 'invalid_number', vendorCode: code, retryable: false };
  if (code === 'InternalError' || code.startsWith('InternalError.') || code === 'RequestLimitExceeded') return unavailable(code);
  return { ok: false, reason: 'rejected', vendorCode: code, retryable: false };
}

export function createTencentSms(config: TencentSmsConfig): SmsSender {
  const url = new URL(config.endpoint);
  return {
    name: 'tencent',
    async send(message) {
      const templateId = message.template === 'security_notice' ? config.noticeTemplateId : config.templateId;
      if (!templateId) return noTemplate(message.template);
      const body = JSON.stringify({
        PhoneNumberSet: [message.phone],
        SmsSdkAppId: config.sdkAppId,
        SignName: config.signName,
        TemplateId: templateId,
        TemplateParamSet: message.template === 'security_notice' ? [message.params.event] : [message.params.code, String(message.params.minutes)],
      });
      const timestamp = Math.floor(Date.now() / 1000);
      const { authorization } = signTc3({ secretId: config.secretId, secretKey: config.secretKey, service: 'sms', host: url.host, timestamp, body });
      let payload: { Response?: { Error?: { Code: string }; SendStatusSet?: { Code: string; SerialNo?: string }[] } };
      try {
        const response = await fetch(url, {
          method: 'POST',
          headers: {
            authorization,
            'content-type': 'application/json; charset=utf-8',
            'x-tc-action': 'SendSms',
            'x-tc-version': '2021-01-11',
            'x-tc-timestamp': String(timestamp),
            'x-tc-region': config.region,
          },
          body,
          signal: AbortSignal.timeout(config.timeoutMs ?? 5_000),
        });
        if (response.status >= 500) return unavailable(`HTTP ${response.status}`);
        payload = (await response.json()) as typeof payload;
      } catch {
        return unavailable();
      }
      const error = payload.Response?.Error;
      if (error) return classify(error.Code);
      const status = payload.Response?.SendStatusSet?.[0];
      if (!status) return unavailable('no SendStatusSet');
      return status.Code === 'Ok' ? { ok: true, messageId: status.SerialNo } : classify(status.Code);
    },
  };
}
