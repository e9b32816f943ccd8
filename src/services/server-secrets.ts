// Secrets the server makes for itself when configuration supplies none (cookie signing keys), kept in the
// database so a restart, and every instance sharing that database, uses the same ones.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { PrismaClient } from '../generated/prisma/client.ts';

export async function ensureCookieKeys(prisma: PrismaClient, configured: string[] | undefined): Promise<string[]> {
  if (configured?.length) return configured;
  const name = 'cookie-keys';
  const candidate = JSON.stringify([randomBytes(32).toString('base64url')]);
  // Insert-if-absent so instances booting together agree on one value.
  await prisma.serverSecret.upsert({ where: { name }, create: { name, value: candidate }, update: {} });
  const stored = await prisma.serverSecret.findUniqueOrThrow({ where: { name } });
  return JSON.parse(stored.value) as string[];
}

/**
 * The key that seals second-factor secrets. Configuration supplies it in production; the embedded default and
 * development keep one in DATA_DIR (beside, not inside, the database it protects). Several instances need the
 * same MFA_ENCRYPTION_KEY.
 */
export function ensureFactorKey(configured: Buffer | undefined, dataDir: string): Buffer {
  return configured ?? keyFile(join(dataDir, 'factor-encryption.key'));
}

/**
 * The key of the national ID numbers' keyed hash (registry and identity records). Like the factor key it stays
 * out of the database it protects: REGISTRY_KEY in configuration, else a key file in DATA_DIR. The CLI import and
 * every server instance must use the same key, or no submission would match the registry.
 */
export function ensureRegistryKey(configured: Buffer | undefined, dataDir: string): Buffer {
  return configured ?? keyFile(join(dataDir, 'registry-hash.key'));
}

/** 32 random bytes kept in `file` (base64, owner-only), made on first use; an existing file is never replaced. */
function keyFile(file: string): Buffer {
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(dirname(file), { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600, flag: 'wx' });
  return key;
}
