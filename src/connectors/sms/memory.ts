// The development outbox: keeps the last messages in memory for the admin page and for tests, and logs only
// the masked number (a code never reaches a log line).
import type { Logger } from '../../lib/logger.ts';
import { maskPhone, type SmsMessage, type SmsSender } from './sms-sender.ts';

export interface MemorySms extends SmsSender {
  messages(): readonly (SmsMessage & { at: Date })[];
}

export function createMemorySms(logger?: Logger, keep = 200): MemorySms {
  const outbox: (SmsMessage & { at: Date })[] = [];
  return {
    name: 'memory',
    async send(message) {
      outbox.push({ ...message, at: new Date() });
      if (outbox.length > keep) outbox.shift();
      logger?.info({ event: 'sms.outbox', to: maskPhone(message.phone), template: message.template }, 'SMS kept in the development outbox');
      return { ok: true, messageId: `memory-${outbox.length}` };
    },
    messages: () => outbox,
  };
}
