// Tells a person about their lost-phone appeal: e-mail to their verified campus and recovery addresses, and a text
// to the contact number they gave on the appeal (the bound phones are the ones that no longer work). Sent in the
// background of the change; a notice that cannot be delivered is logged with masked targets, never thrown.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Locale } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import { maskEmail, type EmailMessage, type EmailSender } from '../connectors/email/email-sender.ts';
import { maskPhone, type SmsSender } from '../connectors/sms/sms-sender.ts';
import { appealDecisionEmail, appealReceivedEmail, appealSmsLabel, type AppealDecision } from '../connectors/email/appeal-emails.ts';

export interface AppealNotice {
  userId: string;
  contactPhone: string;
  locale: Locale;
}

export interface AppealNotices {
  received(notice: AppealNotice & { statusUrl?: string; statusTo?: string }): Promise<void>;
  decided(notice: AppealNotice & { decision: AppealDecision; note?: string }): Promise<void>;
}

export function createAppealNotices(deps: { prisma: PrismaClient; email: EmailSender; sms: SmsSender; logger: Logger }): AppealNotices {
  const { prisma, email, sms, logger } = deps;

  const addresses = async (userId: string) => {
    const rows = await prisma.contactPoint.findMany({ where: { userId, role: { in: ['email', 'recovery_email'] }, verifiedAt: { not: null } }, select: { value: true } });
    return [...new Map(rows.map((row) => [row.value.toLowerCase(), row.value])).values()];
  };

  const sendAll = async (userId: string, what: string, mails: EmailMessage[], text: { phone: string; event: string }) => {
    const attempts = await Promise.all([
      ...mails.map(async (message) => ({ to: maskEmail(message.to), ok: (await email.send(message).catch(() => ({ ok: false }))).ok })),
      (async () => ({ to: maskPhone(text.phone), ok: (await sms.send({ phone: text.phone, template: 'security_notice', params: { event: text.event } }).catch(() => ({ ok: false }))).ok }))(),
    ]);
    for (const failed of attempts.filter((attempt) => !attempt.ok)) logger.warn({ event: 'appeal.notice_failed', userId, notice: what, to: failed.to }, 'appeal notice not delivered');
    logger.info({ event: 'appeal.notice', userId, notice: what, tried: attempts.length, succeeded: attempts.filter((attempt) => attempt.ok).length }, 'appeal notice sent');
  };

  return {
    async received({ userId, contactPhone, locale, statusUrl, statusTo }) {
      const to = await addresses(userId);
      // The status link goes only to the address that proved the person (the recovery e-mail), never to others.
      const mails = to.map((address) => appealReceivedEmail({ to: address, locale, statusUrl: statusTo && address.toLowerCase() === statusTo.toLowerCase() ? statusUrl : undefined }));
      await sendAll(userId, 'received', mails, { phone: contactPhone, event: appealSmsLabel('received', locale) });
    },
    async decided({ userId, contactPhone, locale, decision, note }) {
      const mails = (await addresses(userId)).map((address) => appealDecisionEmail({ to: address, locale, decision, note }));
      await sendAll(userId, decision, mails, { phone: contactPhone, event: appealSmsLabel(decision, locale) });
    },
  };
}
