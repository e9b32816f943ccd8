// What a person manages on /account/security: their second factors (authenticator apps and other `factor` rows
// but recovery codes, and passkeys, shown generically), how many recovery codes are left, and their trusted browsers. Removing a factor ends every
// trusted browser in the same transaction (trust was granted on the strength of the factors then bound).
import type { PrismaClient } from '../generated/prisma/client.ts';
import { isUuid } from '../lib/uuid.ts';

export interface FactorSummary {
  id: string;
  kind: string;
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

export interface TrustedBrowser {
  id: string;
  /** The user agent the browser had when it was trusted. */
  label: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date;
}

export interface SecurityOverview {
  factors: FactorSummary[];
  recoveryCodesLeft: number;
  trustedBrowsers: TrustedBrowser[];
}

export type LabelCheck = { ok: true; label: string } | { ok: false; problem: 'empty' | 'too_long' };

export const factorLabelMax = 64;

/** A factor name as typed: trimmed, inner whitespace runs collapsed, 1–64 characters, no control characters. */
export function checkFactorLabel(input: unknown): LabelCheck {
  const label = typeof input === 'string' ? input.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim() : '';
  if (!label) return { ok: false, problem: 'empty' };
  if ([...label].length > factorLabelMax) return { ok: false, problem: 'too_long' };
  return { ok: true, label };
}

/** The id part of a trust cookie (`<id>.<secret>`), to mark "this browser" in the list; never used to trust. */
export function trustIdOf(cookie: string | undefined): string | undefined {
  return cookie?.split('.')[0] || undefined;
}

const recoveryKind = 'recovery';
const summaryFields = { id: true, label: true, createdAt: true, lastUsedAt: true } as const;

export function createAccountSecurityService(prisma: PrismaClient) {
  return {
    async overview(userId: string): Promise<SecurityOverview> {
      const [factors, recoveryCodesLeft, trustedBrowsers] = await Promise.all([
        Promise.all([
          prisma.factor.findMany({ where: { userId, kind: { not: recoveryKind } }, select: { ...summaryFields, kind: true } }),
          prisma.passkey.findMany({ where: { userId }, select: summaryFields }),
        ]).then(([rows, passkeys]) =>
          [...rows, ...passkeys.map((passkey) => ({ ...passkey, kind: 'passkey' }))].sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime()),
        ),
        prisma.factor.count({ where: { userId, kind: recoveryKind } }),
        prisma.deviceTrust.findMany({
          where: { userId, expiresAt: { gt: new Date() } },
          select: { id: true, label: true, createdAt: true, lastUsedAt: true, expiresAt: true },
          orderBy: { createdAt: 'desc' },
        }),
      ]);
      return { factors, recoveryCodesLeft, trustedBrowsers };
    },

    /** Authenticator apps, passkeys and a verified phone (texted codes) all count. */
    async secondFactorCount(userId: string): Promise<number> {
      const [factors, passkeys, phones] = await Promise.all([
        prisma.factor.count({ where: { userId, kind: { not: recoveryKind } } }),
        prisma.passkey.count({ where: { userId } }),
        prisma.contactPoint.count({ where: { userId, role: { in: ['security_phone', 'login_phone'] }, verifiedAt: { not: null } } }),
      ]);
      return factors + passkeys + Math.min(phones, 1);
    },

    async findFactor(userId: string, factorId: string): Promise<FactorSummary | undefined> {
      if (!isUuid(factorId)) return undefined;
      const factor = await prisma.factor.findFirst({ where: { id: factorId, userId, kind: { not: recoveryKind } }, select: { ...summaryFields, kind: true } });
      if (factor) return factor;
      const passkey = await prisma.passkey.findFirst({ where: { id: factorId, userId }, select: summaryFields });
      return passkey ? { ...passkey, kind: 'passkey' } : undefined;
    },

    /** False when the factor is not this person's (or is gone). */
    async renameFactor(userId: string, factorId: string, label: string): Promise<boolean> {
      if (!isUuid(factorId)) return false;
      const { count } = await prisma.factor.updateMany({ where: { id: factorId, userId, kind: { not: recoveryKind } }, data: { label } });
      if (count === 1) return true;
      return (await prisma.passkey.updateMany({ where: { id: factorId, userId }, data: { label } })).count === 1;
    },

    /** Removes the factor and, in the same transaction, every trusted browser of the person. */
    async removeFactor(userId: string, factorId: string): Promise<{ removed: boolean; browsersRevoked: number; factorsLeft: number }> {
      if (!(await this.findFactor(userId, factorId))) return { removed: false, browsersRevoked: 0, factorsLeft: await this.secondFactorCount(userId) };
      const [factor, passkey, trust] = await prisma.$transaction([
        prisma.factor.deleteMany({ where: { id: factorId, userId, kind: { not: recoveryKind } } }),
        prisma.passkey.deleteMany({ where: { id: factorId, userId } }),
        prisma.deviceTrust.deleteMany({ where: { userId } }),
      ]);
      return { removed: factor.count + passkey.count === 1, browsersRevoked: trust.count, factorsLeft: await this.secondFactorCount(userId) };
    },

    /** False when the trusted browser is not this person's (or is gone). */
    async revokeBrowser(userId: string, trustId: string): Promise<boolean> {
      if (!isUuid(trustId)) return false;
      const { count } = await prisma.deviceTrust.deleteMany({ where: { id: trustId, userId } });
      return count === 1;
    },

    async revokeAllBrowsers(userId: string): Promise<number> {
      return (await prisma.deviceTrust.deleteMany({ where: { userId } })).count;
    },
  };
}


export type AccountSecurityService = ReturnType<typeof createAccountSecurityService>;
