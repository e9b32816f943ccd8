// Secrets the server makes for itself when configuration supplies none (cookie signing keys), kept in the
// database so a restart, and every instance sharing that database, uses the same ones.
import { randomBytes } from 'node:crypto';
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
