// A person's contact points in their roles: login phone (also a login ID), security phone (codes and identity
// checks only), recovery e-mail (never on the institution's own domains). Binding one that a code has just
// proved: one number belongs to at most one account and a login phone never looks like someone's username,
// both checked inside the same transaction that binds it (under a lock on the value, so two binds cannot race).
import type { Prisma, PrismaClient } from '../generated/prisma/client.ts';
import type { ContactRole } from '../config/env.ts';
import { checkEmail, checkPhone } from './user-input.ts';

export type { ContactRole };

export type BindProblem = 'phone_taken' | 'login_id_taken' | 'institution_email';
export type BindResult = { ok: true; previous?: string } | { ok: false; reason: BindProblem };
export type CandidateCheck = { ok: true; value: string } | { ok: false; reason: BindProblem | 'invalid_phone' | 'invalid_email' };

export interface ContactRules {
  /** Lower-case mail domains; an address on one of them or a subdomain is no recovery e-mail. */
  institutionEmailDomains: readonly string[];
  required: readonly ContactRole[];
  prompt: 'block' | 'skip';
}

export interface ContactView {
  role: ContactRole;
  value: string;
  verifiedAt: Date | null;
}

const phoneRoles = ['login_phone', 'security_phone'];
export const isPhoneRole = (role: ContactRole) => role !== 'recovery_email';

/** True for name@example.edu and name@mail.example.edu when example.edu is listed. */
export function isInstitutionEmail(address: string, domains: readonly string[]): boolean {
  const domain = address.slice(address.lastIndexOf('@') + 1).toLowerCase();
  return domains.some((listed) => domain === listed || domain.endsWith(`.${listed}`));
}

/** The ways a phone can be typed as a login ID: E.164 and, for mainland numbers, the 11 digits. */
export function loginIdForms(phone: string): string[] {
  return phone.startsWith('+86') ? [phone, phone.slice(3)] : [phone];
}

const noRules: ContactRules = { institutionEmailDomains: [], required: [], prompt: 'skip' };

export function createContactPoints(prisma: PrismaClient, rules: ContactRules = noRules) {
  const phoneTaken = (db: Prisma.TransactionClient | PrismaClient, userId: string, phone: string) =>
    db.contactPoint.findFirst({ where: { value: phone, role: { in: phoneRoles }, verifiedAt: { not: null }, userId: { not: userId } }, select: { id: true } });
  const usernameClash = (db: Prisma.TransactionClient | PrismaClient, userId: string, phone: string) =>
    db.user.findFirst({ where: { username: { in: loginIdForms(phone) }, id: { not: userId } }, select: { id: true } });

  /** The rule checks that need the database; run again inside the binding transaction. */
  const problemWith = async (db: Prisma.TransactionClient | PrismaClient, userId: string, role: ContactRole, value: string): Promise<BindProblem | undefined> => {
    if (role === 'recovery_email') return isInstitutionEmail(value, rules.institutionEmailDomains) ? 'institution_email' : undefined;
    if (await phoneTaken(db, userId, value)) return 'phone_taken';
    if (role === 'login_phone' && (await usernameClash(db, userId, value))) return 'login_id_taken';
    return undefined;
  };

  const bind = async (userId: string, role: ContactRole, value: string): Promise<BindResult> =>
    prisma.$transaction(async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`contact:${value}`}))`;
      const problem = await problemWith(tx, userId, role, value);
      if (problem) return { ok: false, reason: problem } as const;
      const old = await tx.contactPoint.findUnique({ where: { userId_role: { userId, role } }, select: { value: true, verifiedAt: true } });
      await tx.contactPoint.upsert({
        where: { userId_role: { userId, role } },
        create: { userId, role, value, verifiedAt: new Date() },
        update: { value, verifiedAt: new Date() },
      });
      // A phone is a second factor (texted codes): trust given on the strength of the old factors ends.
      if (phoneRoles.includes(role) && old?.value !== value) await tx.deviceTrust.deleteMany({ where: { userId } });
      return { ok: true, previous: old?.verifiedAt && old.value !== value ? old.value : undefined } as const;
    });

  return {
    rules,

    /** Validates and normalises what the person typed for `role`, and checks it may be bound to them. */
    async checkCandidate(userId: string, role: ContactRole, raw: string): Promise<CandidateCheck> {
      const checked = isPhoneRole(role) ? checkPhone(raw) : checkEmail(raw);
      if ('problem' in checked) return { ok: false, reason: isPhoneRole(role) ? 'invalid_phone' : 'invalid_email' };
      const problem = await problemWith(prisma, userId, role, checked.value);
      return problem ? { ok: false, reason: problem } : { ok: true, value: checked.value };
    },

    async list(userId: string): Promise<ContactView[]> {
      const rows = await prisma.contactPoint.findMany({ where: { userId, role: { in: ['login_phone', 'security_phone', 'recovery_email'] } }, select: { role: true, value: true, verifiedAt: true } });
      return rows.map((row) => ({ ...row, role: row.role as ContactRole }));
    },

    /** Required roles this person has no verified contact for (read from the database, never a cache). */
    async missingRequired(userId: string): Promise<ContactRole[]> {
      if (rules.required.length === 0) return [];
      const rows = await prisma.contactPoint.findMany({ where: { userId, role: { in: [...rules.required] }, verifiedAt: { not: null } }, select: { role: true } });
      return rules.required.filter((role) => !rows.some((row) => row.role === role));
    },

    /**
     * Binds a value a code has just proved as the person's verified `role` (replacing the old one). `previous`
     * is the verified value it replaced, so the notice can reach it.
     */
    bind,

    /** Removes the person's `role`; a role the policy requires stays (it can be changed, not removed). */
    async remove(userId: string, role: ContactRole): Promise<{ ok: true; removed?: string } | { ok: false; reason: 'contact_required' }> {
      if (rules.required.includes(role)) return { ok: false, reason: 'contact_required' };
      const removed = await prisma.$transaction(async (tx) => {
        const old = await tx.contactPoint.findUnique({ where: { userId_role: { userId, role } }, select: { value: true, verifiedAt: true } });
        await tx.contactPoint.deleteMany({ where: { userId, role } });
        if (old && phoneRoles.includes(role)) await tx.deviceTrust.deleteMany({ where: { userId } });
        return old?.verifiedAt ? old.value : undefined;
      });
      return { ok: true, removed };
    },

    /** True when another account already has this number as a verified phone. */
    async phoneTakenByOther(userId: string, phone: string): Promise<boolean> {
      const other = await prisma.contactPoint.findFirst({ where: { value: phone, role: { in: phoneRoles }, verifiedAt: { not: null }, userId: { not: userId } } });
      return other !== null;
    },

    async bindSecurityPhone(userId: string, phone: string): Promise<BindResult> {
      return bind(userId, 'security_phone', phone);
    },
  };
}

export type ContactPoints = ReturnType<typeof createContactPoints>;
