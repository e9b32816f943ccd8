// The development outbox: keeps the last e-mails in memory for the admin page and for tests, and logs only the
// masked address and the subject (a code never reaches a log line).
import type { Logger } from '../../lib/logger.ts';
import { maskEmail, type EmailMessage, type EmailSender } from './email-sender.ts';

export interface MemoryEmail extends EmailSender {
  messages(): readonly (EmailMessage & { at: Date })[];
}

export function createMemoryEmail(logger?: Logger, keep = 200): MemoryEmail {
  const outbox: (EmailMessage & { at: Date })[] = [];
  let sent = 0;
  return {
    name: 'memory',
    async send(message) {
      outbox.push({ ...message, at: new Date() });
      if (outbox.length > keep) outbox.shift();
      sent += 1;
      logger?.info({ event: 'email.outbox', to: maskEmail(message.to), subject: message.subject }, 'E-mail kept in the development outbox');
      return { ok: true, messageId: `memory-${sent}` };
    },
    messages: () => outbox,
  };
}
