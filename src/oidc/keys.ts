// Signing keys kept in the database so every instance and every restart publishes the same `kid`s.
// Life of a key: `next` (published in the JWKS, not used) → `current` (signs) → `retired` (published only, so
// tokens it signed still verify) → deleted. Rotation promotes the pre-published `next` key, so relying parties
// that cache the JWKS already know a key before anything is signed with it.
import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';

export type SigningAlg = 'ES256' | 'RS256';
const algorithms: SigningAlg[] = ['ES256', 'RS256'];
/** Retired keys stay published this long: longer than any ID token, access token or logout token lives. */
const retiredKeyDays = 30;

export interface SigningJwk extends JsonWebKey {
  kid: string;
  alg: SigningAlg;
  use: 'sig';
}

function generateKey(alg: SigningAlg): SigningJwk {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: randomBytes(12).toString('base64url'), alg, use: 'sig' };
}

/** Creates whatever is missing so each algorithm has a `current` and a `next` key. Safe to call at every boot. */
export async function ensureSigningKeys(prisma: PrismaClient): Promise<void> {
  for (const alg of algorithms) {
    for (const state of ['current', 'next'] as const) {
      const existing = await prisma.signingKey.findFirst({ where: { alg, state } });
      if (!existing) {
        const jwk = generateKey(alg);
        await prisma.signingKey.create({
          data: { kid: jwk.kid, alg, state, privateJwk: jwk as object, activatedAt: state === 'current' ? new Date() : null },
        });
      }
    }
  }
}

/**
 * The private JWKS for oidc-provider: the preferred algorithm's current key first (oidc-provider signs with the
 * first key that fits), then the other current keys, then next and retired keys (published, never chosen first).
 */
export async function loadSigningJwks(prisma: PrismaClient, preferred: SigningAlg): Promise<SigningJwk[]> {
  const rows = await prisma.signingKey.findMany({ orderBy: { createdAt: 'desc' } });
  const rank = (row: { alg: string; state: string }) =>
    (row.state === 'current' ? 0 : row.state === 'next' ? 2 : 4) + (row.alg === preferred ? 0 : 1);
  return rows.sort((a, b) => rank(a) - rank(b)).map((row) => row.privateJwk as unknown as SigningJwk);
}

export interface RotationReport {
  promoted: string[];
  published: string[];
  retired: string[];
  deleted: string[];
}

/** One rotation step for every algorithm, in one transaction. Instances pick the change up when they restart. */
export async function rotateSigningKeys(prisma: PrismaClient, now = new Date()): Promise<RotationReport> {
  const report: RotationReport = { promoted: [], published: [], retired: [], deleted: [] };
  await prisma.$transaction(async (tx) => {
    for (const alg of algorithms) {
      const current = await tx.signingKey.findFirst({ where: { alg, state: 'current' } });
      const next = await tx.signingKey.findFirst({ where: { alg, state: 'next' } });
      if (current) {
        await tx.signingKey.update({ where: { kid: current.kid }, data: { state: 'retired', retiredAt: now } });
        report.retired.push(current.kid);
      }
      if (next) {
        await tx.signingKey.update({ where: { kid: next.kid }, data: { state: 'current', activatedAt: now } });
        report.promoted.push(next.kid);
      } else {
        const jwk = generateKey(alg);
        await tx.signingKey.create({ data: { kid: jwk.kid, alg, state: 'current', privateJwk: jwk as object, activatedAt: now } });
        report.promoted.push(jwk.kid);
      }
      const fresh = generateKey(alg);
      await tx.signingKey.create({ data: { kid: fresh.kid, alg, state: 'next', privateJwk: fresh as object } });
      report.published.push(fresh.kid);
    }
    const cutoff = new Date(now.getTime() - retiredKeyDays * 86_400_000);
    const old = await tx.signingKey.findMany({ where: { state: 'retired', retiredAt: { lt: cutoff } } });
    await tx.signingKey.deleteMany({ where: { kid: { in: old.map((row) => row.kid) } } });
    report.deleted.push(...old.map((row) => row.kid));
  });
  return report;
}
