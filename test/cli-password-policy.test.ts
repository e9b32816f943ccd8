// `campus-idp users set-password` applies the same password policy as the pages: the real CLI as a subprocess
// against a real store (embedded PGlite in a temporary DATA_DIR, or a fresh PostgreSQL database).
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../src/data/database.ts';
import { createAccountService } from '../src/services/accounts.ts';
import { cliSandbox, type CliSandbox } from './helpers/cli.ts';

let sandbox: CliSandbox;
const cli = (args: string[], stdin = '', env: Record<string, string> = {}) => sandbox.run(args, stdin, env);
const inspect = <T>(read: (database: Database) => Promise<T>) => sandbox.inspect(read);

beforeAll(async () => {
  sandbox = await cliSandbox('campus-idp-cli-policy-');
});
afterAll(async () => sandbox?.cleanup());

it('refuses a password that breaks the policy, naming each rule, and sets one that meets it', async () => {
  const added = await cli(['users', 'add', '--username', 'P0001', '--name', 'Zhao Lei', '--type', 'staff', '--email', 'zhaolei@example.edu']);
  expect(added.code).toBe(0);

  const short = await cli(['users', 'set-password', 'P0001'], 'Summer2023!\n');
  expect(short.code).toBe(1);
  expect(short.stderr).toContain('error: the password is too short: use at least 15 characters');
  expect(short.stderr).toContain('error: the password is too common');
  expect(short.stderr).toContain('Nothing was changed.');

  const personal = await cli(['users', 'set-password', 'P0001'], 'zhaolei lantern orbit\n');
  expect(personal.code).toBe(1);
  expect(personal.stderr).toContain("the password contains the person's login ID, name or e-mail name");

  const campus = await cli(['users', 'set-password', 'P0001'], 'lantern orbit violet\n', { PASSWORD_POLICY: 'campus' });
  expect(campus.code).toBe(1);
  expect(campus.stderr).toContain('the password needs upper-case and lower-case letters, a digit and a symbol');
  expect(await inspect(({ prisma }) => prisma.user.findUniqueOrThrow({ where: { username: 'P0001' } }))).toMatchObject({ status: 'pending', passwordHash: null });

  const good = await cli(['users', 'set-password', 'P0001'], 'lantern orbit violet teacup\n');
  expect(good.stderr).toBe('');
  expect(good.code).toBe(0);
  expect((await inspect(({ prisma }) => createAccountService(prisma).authenticate('P0001', 'lantern orbit violet teacup'))).ok).toBe(true);
}, 120_000);
