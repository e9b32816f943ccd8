// The development outbox: keeps the last messages in memory for tests. With `showCodes` (SMS_OUTBOX_LOG_CODES, an
// explicit opt-in refused in production) the log line carries the code so a developer can sign in; otherwise
// only the masked number.
import type { Logger } from '../../lib/logger.ts';
import { maskPhone, type SmsMessage, type SmsSender } from './sms-sender.ts';

export interface MemorySms extends SmsSender {
  messages(): readonly (SmsMessage & { at: Date })[];
}

export function createMemorySms(logger?: Logger, options: { showCodes?: boolean; keep?: number } = {}): MemorySms {
  const keep = options.keep ?? 200;
  const outbox: (SmsMessage & { at: Date })[] = [];
  return {
    name: 'memory',
    async send(message) {
      outbox.push({ ...message, at: new Date() });
      if (outbox.length > keep) outbox.shift();
      // Not under `code`, which the logger redacts: showing it is the point of the opt-in.
      const code = options.showCodes && message.template === 'verification_code' ? { outboxCode: message.params.code } : {};
      logger?.info({ event: 'sms.outbox', to: maskPhone(message.phone), template: message.template, ...code }, 'SMS kept in the development outbox');
      return { ok: true, messageId: `memory-${outbox.length}` };
    },
    messages: () => outbox,
  };
}
