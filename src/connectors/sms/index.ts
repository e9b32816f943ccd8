// Picks the SMS gateway named by SMS_PROVIDER: Tencent Cloud, Aliyun, or the development outbox.
import type { SmsConfig } from '../../config/env.ts';
import type { Logger } from '../../lib/logger.ts';
import { createAliyunSms } from './aliyun.ts';
import { createMemorySms } from './memory.ts';
import type { SmsSender } from './sms-sender.ts';
import { createTencentSms } from './tencent.ts';

export function createSmsSender(config: SmsConfig, logger: Logger): SmsSender {
  if (config.provider === 'tencent') return createTencentSms(config.tencent);
  if (config.provider === 'aliyun') return createAliyunSms(config.aliyun);
  return createMemorySms(logger, { showCodes: config.outboxLogCodes });
}
