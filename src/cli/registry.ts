// `campus-idp registry import`: the student registry from a CSV (all or nothing; ID numbers kept only as a keyed
// hash). Reviewers and their classes are set with `campus-idp admin grant` / `admin scope`.
import { resolve } from 'node:path';
import { importRegistryFromFile } from '../services/registry-import.ts';
import { createIdNumberHasher } from '../services/national-id.ts';
import { ensureRegistryKey } from '../services/server-secrets.ts';
import { parseCommand, UsageError, type CliContext } from './context.ts';

export const registryUsage = `Usage:
  campus-idp registry import FILE.csv

  import      columns (header row, any case): name, id_number, school, grade, class, enrolment_year,
              guardian_phone. ID numbers are checked (18 characters, GB 11643 check character) and stored only
              as a keyed hash (REGISTRY_KEY, else a key file in DATA_DIR: the server must use the same key).
              Any bad row writes nothing; a number imported before is updated.`;

export async function runRegistryCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === 'import') return importCommand(rest, context);
  throw new UsageError(sub === undefined ? 'registry: missing command' : `registry: unknown command "${sub}"`, registryUsage);
}

async function importCommand(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommand(args, {}, registryUsage, 1);
  const config = context.config();
  const hasher = createIdNumberHasher(ensureRegistryKey(config.identity.registryKey, config.dataDir));
  const file = positionals[0] ?? '';
  const { prisma } = await context.database();
  const report = await importRegistryFromFile(prisma, hasher, resolve(file));
  for (const problem of report.errors) context.err(`${file}: line ${problem.line}${problem.field ? `, ${problem.field}` : ''}: ${problem.message}`);
  if (report.errors.length) {
    context.err(`Nothing was written (${report.errors.length} problem${report.errors.length === 1 ? '' : 's'} in ${report.rows} row${report.rows === 1 ? '' : 's'}). Fix the rows above and run again.`);
    return 1;
  }
  context.out(`Read ${report.rows} row${report.rows === 1 ? '' : 's'}: created ${report.created}, updated ${report.updated}.`);
  return 0;
}
