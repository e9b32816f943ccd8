// Recovery codes: ten single-use codes of 64 random bits each, shown once when the first factor is bound,
// stored only as SHA-256 (ample for random secrets of this size), consumed atomically, regenerable.
import { randomBytes } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { sha256Hex } from '../lib/crypto.ts';

const alphabet = 'abcdefghjkmnpqrstuvwxyz23456789';
export const recoveryCodeCount = 10;

/** `xxxx-xxxx-xxxx-x`: 13 characters of a 31-letter alphabet without look-alikes (> 64 bits). */
function newCode(): string {
  const bytes = randomBytes(13);
  const chars = [...bytes].map((byte) => alphabet[byte % alphabet.length]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4, 8)}-${chars.slice(8, 12)}-${chars.slice(12)}`;
}

export function normaliseRecoveryCode(input: string): string | undefined {
  const code = input.normalize('NFKC').toLowerCase().replace(/[\s-]/g, '');
  return /^[a-z0-9]{13}$/.test(code) ? code : undefined;
}

export function createRecoveryCodeService(prisma: PrismaClient) {
  return {
    /** Replaces any earlier codes; returns the new ones, the only time they exist in clear. */
    async regenerate(userId: string): Promise<string[]> {
      const codes = Array.from({ length: recoveryCodeCount }, newCode);
      await prisma.$transaction([
        prisma.factor.deleteMany({ where: { userId, kind: 'recovery' } }),
        prisma.factor.createMany({
          data: codes.map((code) => ({ userId, kind: 'recovery', label: 'Recovery code', secret: sha256Hex(normaliseRecoveryCode(code)!) })),
        }),
      ]);
      return codes;
    },

    /** Uses up one code: true for exactly one of any number of concurrent attempts with the same code. */
    async consume(userId: string, input: string): Promise<boolean> {
      const code = normaliseRecoveryCode(input);
      if (!code) return false;
      const used = await prisma.factor.deleteMany({ where: { userId, kind: 'recovery', secret: sha256Hex(code) } });
      return used.count === 1;
    },

    async remaining(userId: string): Promise<number> {
      return prisma.factor.count({ where: { userId, kind: 'recovery' } });
    },
  };
}

export type RecoveryCodeService = ReturnType<typeof createRecoveryCodeService>;
