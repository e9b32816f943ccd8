// One-time codes sent to a phone: 6 digits from a CSPRNG, valid 5 minutes, accepted once, bound to what asked
// for them (one sign-in, one phone binding). Before any message leaves, the resend cooldown and the per-number,
// per-account, per-IP and global daily budgets are checked, so an attacker cannot turn the IdP into an SMS cannon.
import type { KeyValueStore } from '../data/kv-store.ts';
import type { SmsSender } from '../connectors/sms/sms-sender.ts';
import { maskPhone } from '../connectors/sms/sms-sender.ts';
import { createOneTimeCodes, type CodeBudgets } from './one-time-codes.ts';

export type { CodeBudgets };

export type SendOutcome =
  | { ok: true; masked: string; expiresInSeconds: number }
  /** cooldown: a code was sent moments ago; budget: a daily budget is spent; unavailable: the gateway failed. */
  | { ok: false; reason: 'cooldown' | 'budget' | 'invalid_number' | 'unavailable' };

export interface CodeRequest {
  /** What the code is for, e.g. 'mfa' or 'bind-phone'; a code for one purpose never answers another. */
  purpose: string;
  /** The transaction the code is bound to (an interaction uid). */
  binding: string;
  accountId: string;
  phone: string;
  ip: string;
}

export const codeTtlSeconds = 300;

/** Texted codes through the shared code path (one-time-codes.ts); the phone-named API its callers know. */
export function createVerificationCodes(options: { store: KeyValueStore; sms: SmsSender; budgets: CodeBudgets; onSend?: (result: string) => void }) {
  const { sms } = options;
  const codes = createOneTimeCodes(options.store, {
    name: 'sms',
    ttlSeconds: codeTtlSeconds,
    budgets: options.budgets,
    mask: maskPhone,
    async deliver(phone, code) {
      const result = await sms.send({ phone, template: 'verification_code', params: { code, minutes: codeTtlSeconds / 60 } });
      if (result.ok) return { ok: true };
      return { ok: false, reason: result.reason === 'invalid_number' ? 'invalid_destination' : result.reason === 'rate_limited' ? 'budget' : 'unavailable', detail: result.reason };
    },
  }, options.onSend);

  return {
    async send(request: CodeRequest): Promise<SendOutcome> {
      const sent = await codes.send({ ...request, to: request.phone });
      if (sent.ok) return sent;
      return { ok: false, reason: sent.reason === 'invalid_destination' ? 'invalid_number' : sent.reason };
    },

    /** Whether a code is waiting for this transaction (so the page can say where it went). */
    pending: codes.pending,

    /** Accepts the code once; returns the phone it was sent to. Too many wrong guesses void the code. */
    async verify(purpose: string, binding: string, input: string): Promise<{ phone: string } | undefined> {
      const proved = await codes.verify(purpose, binding, input);
      return proved && { phone: proved.to };
    },
  };
}

export type VerificationCodes = ReturnType<typeof createVerificationCodes>;
