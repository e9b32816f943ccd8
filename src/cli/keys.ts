// `campus-idp keys …`: list the signing keys and rotate them (publish → sign → retire).
import { rotateSigningKeys, ensureSigningKeys } from '../oidc/keys.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';

export const keysUsage = `Usage:
  campus-idp keys list      show every signing key: kid, algorithm, state, dates
  campus-idp keys rotate    the published "next" key starts signing, the signing key is retired (still published
                            for 30 days), and a new "next" key is published. Restart the servers afterwards.`;

export async function runKeysCommand(args: string[], context: CliContext): Promise<number> {
  const [command, ...rest] = args;
  if (command !== 'list' && command !== 'rotate') {
    throw new UsageError(command ? `unknown keys command "${command}"` : 'missing keys command', keysUsage);
  }
  parseCommand(rest, {}, keysUsage, 0);
  const { prisma } = await context.database();
  await ensureSigningKeys(prisma);
  if (command === 'rotate') {
    const report = await rotateSigningKeys(prisma);
    context.out(`now signing with: ${report.promoted.join(', ')}`);
    context.out(`published for the next rotation: ${report.published.join(', ')}`);
    context.out(`retired (still published): ${report.retired.join(', ')}`);
    if (report.deleted.length) context.out(`removed (retired over 30 days ago): ${report.deleted.join(', ')}`);
    context.out('Restart every campus-idp instance so they sign with the new keys.');
    return 0;
  }
  const keys = await prisma.signingKey.findMany({ orderBy: [{ alg: 'asc' }, { createdAt: 'desc' }] });
  for (const key of keys) {
    const since = (key.state === 'retired' ? key.retiredAt : key.state === 'current' ? key.activatedAt : key.createdAt) ?? key.createdAt;
    context.out(`${key.kid}  ${key.alg}  ${key.state.padEnd(7)}  since ${since.toISOString()}`);
  }
  return 0;
}
