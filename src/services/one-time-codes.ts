// The one code path behind every code we send (SMS and e-mail): 6 digits from a CSPRNG, hashed in the key-value
// store, accepted once, bound to a purpose and a transaction; the resend cooldown and the per-destination,
// per-account, per-IP and global daily budgets are checked before anything leaves. The channel only delivers.
import { randomInt } from 'node:crypto';
import type { KeyValueStore } from '../data/kv-store.ts';
import type { Locale } from '../config/env.ts';
import type { EmailSender } from '../connectors/email/email-sender.ts';
import { maskEmail } from '../connectors/email/email-sender.ts';
import { verificationCodeEmail, type CodePurpose } from '../connectors/email/templates.ts';
import { constantTimeEqual, sha256Hex } from '../lib/crypto.ts';

export interface CodeBudgets {
  cooldownSeconds: number;
  /** Per phone number or e-mail address. */
  perNumberPerDay: number;
  perAccountPerDay: number;
  perIpPerDay: number;
  globalPerDay: number;
}

/** detail: the channel's own reason, for the metrics label. */
export type Delivery = { ok: true } | { ok: false; reason: 'invalid_destination' | 'budget' | 'unavailable'; detail: string };

export interface CodeChannel {
  /** 'sms' or 'email': part of every key, so a code sent one way never answers the other. */
  name: string;
  ttlSeconds: number;
  budgets: CodeBudgets;
  mask(to: string): string;
  deliver(to: string, code: string, locale: Locale): Promise<Delivery>;
}

export interface OneTimeCodeRequest {
  /** What the code is for, e.g. 'mfa' or 'contact:recovery_email'; a code for one purpose never answers another. */
  purpose: string;
  /** The transaction the code is bound to (an interaction uid, an account session). */
  binding: string;
  accountId: string;
  /** Phone (E.164) or e-mail address the code goes to; verify() gives it back. */
  to: string;
  ip: string;
  locale?: Locale;
}

export type OneTimeCodeOutcome =
  | { ok: true; masked: string; expiresInSeconds: number }
  | { ok: false; reason: 'cooldown' | 'budget' | 'invalid_destination' | 'unavailable' };

interface StoredCode {
  hash: string;
  to: string;
}

/** Wrong guesses one code survives; then it is void and a new one must be sent. */
const attemptsPerCode = 5;
const day = 86_400;

export function createOneTimeCodes(store: KeyValueStore, channel: CodeChannel, onSend?: (result: string) => void) {
  const { budgets } = channel;
  const codeKey = (purpose: string, binding: string) => `code:${channel.name}:${purpose}:${binding}`;
  const today = () => new Date().toISOString().slice(0, 10);

  /** Every budget is read first (a spent one refuses without counting), then counted, then re-checked for races. */
  const withinBudgets = async (request: OneTimeCodeRequest): Promise<boolean> => {
    const limits: [string, number, number][] = [
      [`budget:${channel.name}:to:${sha256Hex(request.to.toLowerCase())}`, budgets.perNumberPerDay, day],
      [`budget:${channel.name}:account:${request.accountId}`, budgets.perAccountPerDay, day],
      [`budget:${channel.name}:ip:${request.ip}`, budgets.perIpPerDay, day],
      [`budget:${channel.name}:global:${today()}`, budgets.globalPerDay, 2 * day],
    ];
    const used = await store.getMany(limits.map(([key]) => key));
    if (used.some((count, index) => Number(count ?? 0) >= limits[index]![1])) return false;
    const counts = await Promise.all(limits.map(([key, , ttl]) => store.increment(key, ttl)));
    return counts.every((count, index) => count <= limits[index]![1]);
  };

  return {
    ttlSeconds: channel.ttlSeconds,

    async send(request: OneTimeCodeRequest): Promise<OneTimeCodeOutcome> {
      const cooldown = await store.increment(`code:cooldown:${channel.name}:${request.purpose}:${request.binding}`, budgets.cooldownSeconds);
      if (cooldown > 1) return { ok: false, reason: 'cooldown' };
      if (!(await withinBudgets(request))) {
        onSend?.('budget');
        return { ok: false, reason: 'budget' };
      }
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const key = codeKey(request.purpose, request.binding);
      // Stored before sending: a code that arrives must already be checkable. A new code replaces the last one.
      await store.set(key, JSON.stringify({ hash: sha256Hex(code), to: request.to } satisfies StoredCode), channel.ttlSeconds);
      await store.delete([`${key}:tries`]);
      const delivered = await channel.deliver(request.to, code, request.locale ?? 'zh-CN');
      onSend?.(delivered.ok ? 'sent' : delivered.detail);
      if (!delivered.ok) {
        await store.delete([key]);
        return { ok: false, reason: delivered.reason };
      }
      return { ok: true, masked: channel.mask(request.to), expiresInSeconds: channel.ttlSeconds };
    },

    /** Where a code waiting for this transaction went (masked), so the page can say so. */
    async pending(purpose: string, binding: string): Promise<string | undefined> {
      const raw = await store.get(codeKey(purpose, binding));
      return raw ? channel.mask((JSON.parse(raw) as StoredCode).to) : undefined;
    },

    /** Accepts the code once; returns where it was sent. Too many wrong guesses void the code. */
    async verify(purpose: string, binding: string, input: string): Promise<{ to: string } | undefined> {
      const key = codeKey(purpose, binding);
      const raw = await store.get(key);
      if (!raw) return undefined;
      const code = input.normalize('NFKC').replace(/[\s-]/g, '');
      if (!/^\d{6}$/.test(code)) return undefined;
      // Counted before the comparison, so parallel guesses cannot all slip under the limit.
      if ((await store.increment(`${key}:tries`, channel.ttlSeconds)) > attemptsPerCode) {
        await store.delete([key]);
        return undefined;
      }
      const stored = JSON.parse(raw) as StoredCode;
      if (!constantTimeEqual(stored.hash, sha256Hex(code))) return undefined;
      // take(): of concurrent submissions of the right code exactly one wins.
      const taken = await store.take(key);
      return taken && (JSON.parse(taken) as StoredCode).hash === stored.hash ? { to: stored.to } : undefined;
    },

    /** Forgets a waiting code (e.g. the person cancelled). */
    async cancel(purpose: string, binding: string): Promise<void> {
      await store.delete([codeKey(purpose, binding)]);
    },
  };
}

export type OneTimeCodes = ReturnType<typeof createOneTimeCodes>;

/** E-mailed codes live longer than texted ones (mail is slower), and never past 30 minutes. */
export const emailCodeTtlSeconds = 600;

export function createEmailCodes(options: { store: KeyValueStore; email: EmailSender; budgets: CodeBudgets; purpose?: CodePurpose; onSend?: (result: string) => void }) {
  const purpose = options.purpose ?? 'verify_email';
  return createOneTimeCodes(options.store, {
    name: 'email',
    ttlSeconds: emailCodeTtlSeconds,
    budgets: options.budgets,
    mask: maskEmail,
    async deliver(to, code, locale) {
      const result = await options.email.send(verificationCodeEmail({ to, code, minutes: emailCodeTtlSeconds / 60, locale, purpose }));
      if (result.ok) return { ok: true };
      return { ok: false, reason: result.reason === 'invalid_address' ? 'invalid_destination' : 'unavailable', detail: result.reason };
    },
  }, options.onSend);
}

export type EmailCodes = ReturnType<typeof createEmailCodes>;
