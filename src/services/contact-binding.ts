// Binding a contact point in two steps, shared by /account/contacts and the sign-in prompt: check what the person
// typed and send a code to it (SMS for phones, e-mail for the recovery address); then accept the code and bind
// the value the code went to (never a value from the second form), with the rule checks run again in the bind.
import type { ErrorCode } from '../lib/errors.ts';
import type { Locale } from '../config/env.ts';
import type { ContactPoints, ContactRole } from './contact-points.ts';
import { isPhoneRole } from './contact-points.ts';
import type { VerificationCodes } from './verification-codes.ts';
import { codeTtlSeconds } from './verification-codes.ts';
import type { EmailCodes } from './one-time-codes.ts';

export interface CodeTransaction {
  accountId: string;
  role: ContactRole;
  /** What the code is bound to: the account session, or the sign-in interaction. */
  binding: string;
}

export type StartResult = { ok: true; masked: string } | { ok: false; error: ErrorCode; value: string };
export type FinishResult = { ok: true; value: string; previous?: string } | { ok: false; error: ErrorCode };

const purposeOf = (role: ContactRole) => `contact:${role}`;

export function createContactBinding(deps: { contacts: ContactPoints; smsCodes: VerificationCodes | undefined; emailCodes: EmailCodes }) {
  const { contacts, smsCodes, emailCodes } = deps;

  return {
    minutes: (role: ContactRole) => (isPhoneRole(role) ? codeTtlSeconds : emailCodes.ttlSeconds) / 60,

    /** Checks the typed value and sends it a code. Refusals carry what was typed back to the form. */
    async start(transaction: CodeTransaction, raw: string, request: { ip: string; locale: Locale }): Promise<StartResult> {
      const { accountId, role, binding } = transaction;
      const value = raw.trim().slice(0, 254);
      const candidate = await contacts.checkCandidate(accountId, role, value);
      if (!candidate.ok) return { ok: false, error: candidate.reason, value };
      const purpose = purposeOf(role);
      if (isPhoneRole(role)) {
        if (!smsCodes) return { ok: false, error: 'sms_unavailable', value };
        const sent = await smsCodes.send({ purpose, binding, accountId, phone: candidate.value, ip: request.ip });
        if (sent.ok) return { ok: true, masked: sent.masked };
        const errors = { cooldown: 'sms_cooldown', budget: 'sms_budget', unavailable: 'sms_unavailable', invalid_number: 'invalid_phone' } as const;
        return { ok: false, error: errors[sent.reason], value };
      }
      const sent = await emailCodes.send({ purpose, binding, accountId, to: candidate.value, ip: request.ip, locale: request.locale });
      if (sent.ok) return { ok: true, masked: sent.masked };
      const errors = { cooldown: 'sms_cooldown', budget: 'sms_budget', unavailable: 'email_unavailable', invalid_destination: 'invalid_email' } as const;
      return { ok: false, error: errors[sent.reason], value };
    },

    /** Where the waiting code went (masked), if one is waiting. */
    pending({ role, binding }: CodeTransaction): Promise<string | undefined> {
      return (isPhoneRole(role) ? smsCodes : emailCodes)?.pending(purposeOf(role), binding) ?? Promise.resolve(undefined);
    },

    /** Accepts the code once and binds what it was sent to, verified now. */
    async finish({ accountId, role, binding }: CodeTransaction, code: string): Promise<FinishResult> {
      const purpose = purposeOf(role);
      const proved = isPhoneRole(role)
        ? (await smsCodes?.verify(purpose, binding, code))?.phone
        : (await emailCodes.verify(purpose, binding, code))?.to;
      if (!proved) return { ok: false, error: 'invalid_code' };
      const bound = await contacts.bind(accountId, role, proved);
      return bound.ok ? { ok: true, value: proved, previous: bound.previous } : { ok: false, error: bound.reason };
    },
  };
}

export type ContactBinding = ReturnType<typeof createContactBinding>;
