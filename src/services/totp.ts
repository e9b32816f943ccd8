// TOTP second factor (RFC 6238: SHA-1, 6 digits, 30 s, as authenticator apps expect), through the otpauth
// library. Seeds are 160 bits, sealed at rest; a code is accepted within ±1 step and only once: the accepted
// step is recorded with a conditional update, so a replay inside the window (or a race) loses.
import { Secret, TOTP } from 'otpauth';
import QRCode from 'qrcode';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { SecretBox } from '../lib/secret-box.ts';

export interface Enrollment {
  /** Base32 seed, for typing into an app by hand. */
  secret: string;
  uri: string;
  /** The otpauth URI as a PNG data URL. */
  qrDataUrl: string;
}

const period = 30;

function totpFor(secret: string, label = '', issuer = 'campus-idp'): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period, secret: Secret.fromBase32(secret) });
}

/** Codes as people type them: fullwidth digits and spaces are normalised; anything else is not a code. */
export function normaliseCode(input: string): string | undefined {
  const code = input.normalize('NFKC').replace(/[\s-]/g, '');
  return /^\d{6}$/.test(code) ? code : undefined;
}

export function createTotpService(prisma: PrismaClient, box: SecretBox, issuer: string) {
  return {
    async hasFactor(userId: string): Promise<boolean> {
      return (await prisma.factor.count({ where: { userId, kind: 'totp' } })) > 0;
    },

    async startEnrollment(username: string): Promise<Enrollment> {
      const secret = new Secret({ size: 20 }).base32;
      const uri = totpFor(secret, username, issuer).toString();
      return { secret, uri, qrDataUrl: await QRCode.toDataURL(uri, { errorCorrectionLevel: 'M', margin: 1, width: 220 }) };
    },

    /** Binds the factor when `code` proves the app holds `secret`. */
    async confirmEnrollment(userId: string, secret: string, input: string, label: string): Promise<boolean> {
      const code = normaliseCode(input);
      if (!code) return false;
      const delta = totpFor(secret).validate({ token: code, window: 1 });
      if (delta === null) return false;
      const step = BigInt(TOTP.counter({ period }) + delta);
      await prisma.$transaction([
        prisma.factor.create({ data: { userId, kind: 'totp', label, secret: box.seal(secret), lastUsedStep: step, lastUsedAt: new Date() } }),
        // A factor change ends every "trust this browser" of the person (the trust page may then trust this one).
        prisma.deviceTrust.deleteMany({ where: { userId } }),
      ]);
      return true;
    },

    /** True when `input` is a current code of one of the person's TOTP factors, never seen before. */
    async verify(userId: string, input: string): Promise<boolean> {
      const code = normaliseCode(input);
      if (!code) return false;
      const factors = await prisma.factor.findMany({ where: { userId, kind: 'totp' } });
      for (const factor of factors) {
        const delta = totpFor(box.open(factor.secret)).validate({ token: code, window: 1 });
        if (delta === null) continue;
        const step = BigInt(TOTP.counter({ period }) + delta);
        const accepted = await prisma.factor.updateMany({
          where: { id: factor.id, OR: [{ lastUsedStep: null }, { lastUsedStep: { lt: step } }] },
          data: { lastUsedStep: step, lastUsedAt: new Date() },
        });
        return accepted.count === 1;
      }
      return false;
    },
  };
}

export type TotpService = ReturnType<typeof createTotpService>;
