// Picks the mail path named by SMTP_URL: the SMTP relay, or (unset) the development outbox, which sends nothing.
import type { Config } from '../../config/env.ts';
import type { Logger } from '../../lib/logger.ts';
import type { EmailSender } from './email-sender.ts';
import { createMemoryEmail } from './memory.ts';
import { createSmtpSender } from './smtp.ts';

export function createEmailSender(config: Config['email'], logger: Logger, production: boolean): EmailSender {
  if (config.smtpUrl) return createSmtpSender({ url: config.smtpUrl, from: config.from, logger });
  if (production) logger.warn({ event: 'email.outbox_in_production' }, 'SMTP_URL is not set: e-mails stay in the in-memory outbox and reach nobody');
  return createMemoryEmail(logger);
}
