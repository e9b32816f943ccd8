// Tells a person, on every verified channel they have, that something changed on their account (a factor, the
// password, a contact): e-mail to the institutional and recovery addresses, SMS to the security (or login) phone.
// A notice that cannot be delivered is logged with masked targets; it never fails the change that caused it.
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { Locale } from '../config/env.ts';
import type { Logger } from '../lib/logger.ts';
import { maskEmail, type EmailSender } from '../connectors/email/email-sender.ts';
import { securityEventLabel, securityNoticeEmail, type SecurityEvent } from '../connectors/email/templates.ts';
import { maskPhone, type SmsSender } from '../connectors/sms/sms-sender.ts';

export type NoticeChannel = 'email' | 'sms';

export interface NoticeAttempt {
  channel: NoticeChannel;
  /** Masked address or number. */
  to: string;
  ok: boolean;
  reason?: string;
}

export interface NoticeSummary {
  tried: NoticeChannel[];
  succeeded: NoticeChannel[];
  attempts: NoticeAttempt[];
}

/** A contact that was just replaced or removed: it hears about the change too, although it is no longer bound. */
export interface PreviousContact {
  role: string;
  value: string;
}

export interface SecurityNotifier {
  notify(userId: string, event: SecurityEvent, options: { locale: Locale; exceptChannel?: NoticeChannel; at?: Date; previous?: PreviousContact[] }): Promise<NoticeSummary>;
}

export function createSecurityNotifier(deps: { prisma: PrismaClient; email: EmailSender; sms: SmsSender; logger: Logger }): SecurityNotifier {
  const { prisma, email, sms, logger } = deps;

  const deliver = async (channel: NoticeChannel, to: string, send: () => Promise<{ ok: boolean; reason?: string }>): Promise<NoticeAttempt> => {
    try {
      const result = await send();
      return result.ok ? { channel, to, ok: true } : { channel, to, ok: false, reason: result.reason };
    } catch {
      return { channel, to, ok: false, reason: 'exception' };
    }
  };

  return {
    async notify(userId, event, { locale, exceptChannel, at = new Date(), previous = [] }) {
      let contacts: { role: string; value: string }[];
      try {
        contacts = await prisma.contactPoint.findMany({ where: { userId, verifiedAt: { not: null } }, select: { role: true, value: true } });
      } catch (error) {
        logger.error({ event: 'security_notice.lookup_failed', userId, notice: event, err: error }, 'Could not look up contacts for a security notice');
        return { tried: [], succeeded: [], attempts: [] };
      }

      const pending: Promise<NoticeAttempt>[] = [];
      if (exceptChannel !== 'email') {
        const addresses = new Map<string, string>();
        for (const contact of [...contacts, ...previous]) {
          if (contact.role === 'email' || contact.role === 'recovery_email') addresses.set(contact.value.toLowerCase(), contact.value);
        }
        for (const address of addresses.values()) {
          pending.push(deliver('email', maskEmail(address), () => email.send(securityNoticeEmail({ to: address, locale, event, at }))));
        }
      }
      if (exceptChannel !== 'sms') {
        const phone = contacts.find((contact) => contact.role === 'security_phone') ?? contacts.find((contact) => contact.role === 'login_phone');
        const phones = new Set([phone?.value, ...previous.filter((contact) => contact.role.endsWith('_phone')).map((contact) => contact.value)]);
        const params = { event: securityEventLabel(event, locale) };
        for (const number of phones) {
          if (number) pending.push(deliver('sms', maskPhone(number), () => sms.send({ phone: number, template: 'security_notice', params })));
        }
      }

      const attempts = await Promise.all(pending);
      for (const attempt of attempts.filter((item) => !item.ok)) {
        logger.warn({ event: 'security_notice.failed', userId, notice: event, channel: attempt.channel, to: attempt.to, reason: attempt.reason }, 'A security notice was not delivered');
      }
      const summary = { tried: attempts.map((item) => item.channel), succeeded: attempts.filter((item) => item.ok).map((item) => item.channel), attempts };
      logger.info({ event: 'security_notice', userId, notice: event, tried: summary.tried.length, succeeded: summary.succeeded.length }, 'Security notice sent');
      return summary;
    },
  };
}
