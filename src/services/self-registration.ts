// Self-registration for new pupils (SELF_REGISTRATION=on): first the guardian's mobile number is proven with a
// texted code (after a captcha, limited per IP and by the SMS budgets), then the person picks a login ID (letters
// first, never phone-like, not taken), a password the policy accepts, and fills the identity fields; the account
// and its identity record are created in one transaction (identity-verification.ts matches it to the registry).
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { KeyValueStore } from '../data/kv-store.ts';
import { randomToken } from '../lib/crypto.ts';
import { maskPhone } from '../connectors/sms/sms-sender.ts';
import type { AuditLog } from './audit-log.ts';
import type { VerificationCodes } from './verification-codes.ts';
import type { PasswordPolicy, PasswordProblem } from './password-policy.ts';
import { hashPassword } from './password-hashing.ts';
import { checkPhone } from './user-input.ts';
import { checkIdentityFields, type FieldIssue, type IdentityField, type RawIdentityFields } from './identity-fields.ts';
import type { Actor, IdentityStatus, IdentityVerification } from './identity-verification.ts';

export const registrationTtlSeconds = 1800;
const purpose = 'register';

export type LoginIdProblem = 'login_id_invalid' | 'login_id_phone' | 'login_id_taken';
export type StartOutcome =
  | { ok: true; registrationId: string; masked: string }
  | { ok: false; reason: 'phone' | 'rate_limited' | 'sms_cooldown' | 'sms_budget' | 'sms_failed' };

export interface RegistrationProblems {
  loginId?: LoginIdProblem;
  password?: readonly PasswordProblem[] | 'mismatch';
  code?: 'code_missing' | 'code_invalid';
  fields?: { field: IdentityField; issue: FieldIssue }[];
}

export type CompleteOutcome =
  | { ok: false; expired: true }
  | { ok: false; problems: RegistrationProblems }
  | { ok: true; username: string; status: IdentityStatus };

export interface RegistrationInput {
  loginId: string;
  password: string;
  confirmPassword: string;
  code: string;
  fields: RawIdentityFields;
}

interface Pending {
  phone: string;
  guardianVerifiedAt: string | null;
}

/** Letters first (so it never collides with numeric staff or student numbers), 4–32 characters. */
export function checkChosenLoginId(raw: string): { ok: true; value: string } | { ok: false; problem: Exclude<LoginIdProblem, 'login_id_taken'> } {
  const value = raw.trim();
  if (!/^[A-Za-z][A-Za-z0-9._-]{3,31}$/.test(value)) return { ok: false, problem: 'login_id_invalid' };
  // A phone number typed with a prefix ("a13812345678") would still read as one: refuse any run of 7+ digits.
  if (/\d{7,}/.test(value)) return { ok: false, problem: 'login_id_phone' };
  return { ok: true, value };
}

export function createSelfRegistration(deps: {
  prisma: PrismaClient;
  store: KeyValueStore;
  smsCodes: VerificationCodes | undefined;
  identity: IdentityVerification;
  policy: PasswordPolicy;
  audit: Pick<AuditLog, 'record'>;
  userType: string;
  limits: { perIp: number; windowSeconds: number };
}) {
  const { prisma, store } = deps;
  const key = (id: string) => `register:${id}`;
  const read = async (id: string | undefined): Promise<Pending | undefined> => {
    if (!id || !/^[A-Za-z0-9_-]{20,64}$/.test(id)) return undefined;
    const raw = await store.get(key(id));
    return raw ? (JSON.parse(raw) as Pending) : undefined;
  };

  return {
    /** Texts a code to the guardian's phone for a new registration (the caller has checked the captcha). */
    async start(rawPhone: string, ip: string): Promise<StartOutcome> {
      const phone = checkPhone(rawPhone);
      if (!('value' in phone)) return { ok: false, reason: 'phone' };
      if ((await store.increment(`register:ip:${ip}`, deps.limits.windowSeconds)) > deps.limits.perIp) return { ok: false, reason: 'rate_limited' };
      if (!deps.smsCodes) return { ok: false, reason: 'sms_failed' };
      const registrationId = randomToken(24);
      await store.set(key(registrationId), JSON.stringify({ phone: phone.value, guardianVerifiedAt: null } satisfies Pending), registrationTtlSeconds);
      const sent = await deps.smsCodes.send({ purpose, binding: registrationId, accountId: `register:${registrationId}`, phone: phone.value, ip });
      if (sent.ok) return { ok: true, registrationId, masked: sent.masked };
      await store.delete([key(registrationId)]);
      return { ok: false, reason: sent.reason === 'cooldown' ? 'sms_cooldown' : sent.reason === 'budget' ? 'sms_budget' : sent.reason === 'invalid_number' ? 'phone' : 'sms_failed' };
    },

    async view(registrationId: string | undefined): Promise<{ masked: string; guardianVerified: boolean } | undefined> {
      const pending = await read(registrationId);
      return pending && { masked: maskPhone(pending.phone), guardianVerified: pending.guardianVerifiedAt !== null };
    },

    /** Checks everything before spending the code; then creates the account and identity record together. */
    async complete(registrationId: string | undefined, input: RegistrationInput, actor: Actor & { ip: string }): Promise<CompleteOutcome> {
      const pending = await read(registrationId);
      if (!registrationId || !pending) return { ok: false, expired: true };
      const problems: RegistrationProblems = {};
      const loginId = checkChosenLoginId(input.loginId);
      if (!loginId.ok) problems.loginId = loginId.problem;
      else if (await prisma.user.findFirst({ where: { OR: [{ username: { equals: loginId.value, mode: 'insensitive' } }, { cardNumber: loginId.value }] }, select: { id: true } })) problems.loginId = 'login_id_taken';
      const fields = checkIdentityFields({ ...input.fields, guardianPhone: pending.phone });
      if (!fields.ok) problems.fields = fields.issues;
      if (input.password !== input.confirmPassword) problems.password = 'mismatch';
      else {
        const check = deps.policy.check(input.password, { loginId: input.loginId.trim(), displayName: fields.ok ? fields.value.name : undefined });
        if (!check.ok) problems.password = check.problems;
      }
      if (!pending.guardianVerifiedAt && !input.code.trim()) problems.code = 'code_missing';
      if (Object.keys(problems).length || !loginId.ok || !fields.ok) return { ok: false, problems };

      if (!pending.guardianVerifiedAt) {
        const proved = await deps.smsCodes?.verify(purpose, registrationId, input.code.trim());
        if (!proved || proved.phone !== pending.phone) return { ok: false, problems: { code: 'code_invalid' } };
        pending.guardianVerifiedAt = new Date().toISOString();
        // A later problem (a login ID taken meanwhile) must not cost the guardian another code.
        await store.set(key(registrationId), JSON.stringify(pending), registrationTtlSeconds);
      }
      // Single use from here: of several submissions at once only the one that takes the registration creates an account.
      if (!(await store.take(key(registrationId)))) return { ok: false, expired: true };
      const keepForRetry = () => store.set(key(registrationId), JSON.stringify(pending), registrationTtlSeconds);
      const passwordHash = await hashPassword(input.password);
      let created: { userId: string; staged: Awaited<ReturnType<IdentityVerification['stage']>> };
      try {
        created = await prisma.$transaction(async (tx) => {
          const user = await tx.user.create({ data: { username: loginId.value, displayName: fields.value.name, type: deps.userType, status: 'active', passwordHash, passwordChangedAt: new Date() } });
          const staged = await deps.identity.stage(tx, user.id, { ...input.fields, guardianPhone: pending.phone }, { guardianVerifiedAt: new Date(pending.guardianVerifiedAt ?? Date.now()), actor });
          // Checked above; a failure here would leave an account without its record, so nothing is kept.
          if (!staged.outcome.ok) throw new Error('identity record refused after its fields were checked');
          return { userId: user.id, staged };
        });
      } catch (error) {
        // The guardian's proof stays for another try (a login ID taken meanwhile, or the store was briefly away).
        await keepForRetry().catch(() => undefined);
        if ((error as { code?: string }).code === 'P2002') return { ok: false, problems: { loginId: 'login_id_taken' } };
        throw error;
      }
      await store.delete([key(registrationId)]);
      await deps.audit.record({ type: 'identity.registered', userId: created.userId, ip: actor.ip, userAgent: actor.userAgent, detail: { loginId: loginId.value } });
      await created.staged.announce();
      const outcome = created.staged.outcome;
      return { ok: true, username: loginId.value, status: outcome.ok ? outcome.status : 'pending' };
    },
  };
}

export type SelfRegistration = ReturnType<typeof createSelfRegistration>;
