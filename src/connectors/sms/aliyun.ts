// Aliyun SMS (dysmsapi 2017-05-25, RPC style) with signature V1 (HMAC-SHA1 over the percent-encoded, sorted
// query) as documented; the endpoint is configurable so tests talk to a local simulator.
import { createHmac, randomUUID } from 'node:crypto';
import { noTemplate, unavailable, type SmsSender, type SmsResult } from './sms-sender.ts';

export interface AliyunSmsConfig {
  accessKeyId: string;
  accessKeySecret: string;
  signName: string;
  templateCode: string;
  /** Template for security notices (one parameter: ${event}); unset = notices are not sent by SMS. */
  noticeTemplateCode?: string;
  /** https://dysmsapi.aliyuncs.com in production. */
  endpoint: string;
  timeoutMs?: number;
}

/** RFC 3986 percent-encoding as Aliyun specifies it. */
export function percentEncode(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function signAliyunV1(method: 'GET' | 'POST', params: Record<string, string>, accessKeySecret: string): { stringToSign: string; signature: string } {
  const canonical = Object.keys(params)
    .filter((key) => key !== 'Signature')
    .sort()
    .map((key) => `${percentEncode(key)}=${percentEncode(params[key] ?? '')}`)
    .join('&');
  const stringToSign = `${method}&${percentEncode('/')}&${percentEncode(canonical)}`;
  return { stringToSign, signature: createHmac('sha1', `${accessKeySecret}&`).update(stringToSign, 'utf8').digest('base64') };
}

function classify(code: string): SmsResult {
  if (['isv.BUSINESS_LIMIT_CONTROL', 'isv.DAY_LIMIT_CONTROL', 'Throttling.User'].includes(code)) return { ok: false, reason: 'rate_limited', vendorCode: code, retryable: true };
  if (['isv.MOBILE_NUMBER_ILLEGAL', 'isv.MOBILE_COUNT_OVER_LIMIT'].includes(code)) return { ok: false, reason: 'invalid_number', vendorCode: code, retryable: false };
  if (['isv.OUT_OF_SERVICE', 'isp.SYSTEM_ERROR', 'ServiceUnavailable'].includes(code)) return unavailable(code);
  return { ok: false, reason: 'rejected', vendorCode: code, retryable: false };
}

export function createAliyunSms(config: AliyunSmsConfig): SmsSender {
  return {
    name: 'aliyun',
    async send(message) {
      const templateCode = message.template === 'security_notice' ? config.noticeTemplateCode : config.templateCode;
      if (!templateCode) return noTemplate(message.template);
      const params: Record<string, string> = {
        AccessKeyId: config.accessKeyId,
        Action: 'SendSms',
        Format: 'JSON',
        PhoneNumbers: message.phone.replace(/^\+86/, ''),
        RegionId: 'cn-hangzhou',
        SignName: config.signName,
        SignatureMethod: 'HMAC-SHA1',
        SignatureNonce: randomUUID(),
        SignatureVersion: '1.0',
        TemplateCode: templateCode,
        TemplateParam: JSON.stringify(message.template === 'security_notice' ? { event: message.params.event } : { code: message.params.code }),
        Timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
        Version: '2017-05-25',
      };
      params.Signature = signAliyunV1('POST', params, config.accessKeySecret).signature;
      let payload: { Code?: string; BizId?: string };
      try {
        const response = await fetch(config.endpoint, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: Object.entries(params).map(([key, value]) => `${percentEncode(key)}=${percentEncode(value)}`).join('&'),
          signal: AbortSignal.timeout(config.timeoutMs ?? 5_000),
        });
        if (response.status >= 500) return unavailable(`HTTP ${response.status}`);
        payload = (await response.json()) as typeof payload;
      } catch {
        return unavailable();
      }
      return payload.Code === 'OK' ? { ok: true, messageId: payload.BizId } : classify(payload.Code ?? 'unknown');
    },
  };
}
