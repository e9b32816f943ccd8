// "Trust this browser": after a second factor, a browser may be remembered for a period. It then skips the
// second factor (never the password) for that person only, until expiry, revocation or a password change.
// The browser keeps `<id>.<secret>`; the server keeps a SHA-256 of the secret, compared in constant time.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { constantTimeEqual, randomToken, sha256Hex } from '../lib/crypto.ts';
import { isUuid } from '../lib/uuid.ts';

export const deviceCookie = 'campus_device';

export function createDeviceTrustService(prisma: PrismaClient, trustDays: number) {
  return {
    trustDays,
    /** Returns the cookie value to give the browser. */
    async trust(userId: string, label: string): Promise<{ cookie: string; expiresAt: Date }> {
      const secret = randomToken(32);
      const expiresAt = new Date(Date.now() + trustDays * 86_400_000);
      const row = await prisma.deviceTrust.create({ data: { userId, secretHash: sha256Hex(secret), label: label.slice(0, 200), expiresAt } });
      return { cookie: `${row.id}.${secret}`, expiresAt };
    },

    /** True only for an unexpired trust of this very person: a cookie copied into another account does nothing. */
    async isTrusted(userId: string, cookie: string | undefined): Promise<boolean> {
      const [id = '', secret = ''] = (cookie ?? '').split('.');
      if (!isUuid(id) || !secret) return false;
      const row = await prisma.deviceTrust.findUnique({ where: { id } });
      if (!row || row.userId !== userId || row.expiresAt <= new Date()) return false;
      if (!constantTimeEqual(row.secretHash, sha256Hex(secret))) return false;
      await prisma.deviceTrust.update({ where: { id }, data: { lastUsedAt: new Date() } });
      return true;
    },

    async revokeAll(userId: string): Promise<number> {
      return (await prisma.deviceTrust.deleteMany({ where: { userId } })).count;
    },
  };
}

export type DeviceTrustService = ReturnType<typeof createDeviceTrustService>;
