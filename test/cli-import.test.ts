// The real CLI as a subprocess (bin/campus-idp.mjs) against a real store: embedded PGlite in a temporary DATA_DIR,
// or a fresh PostgreSQL database when DATABASE_URL is set. Results are read back through a separate connection.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../src/data/database.ts';
import { createAccountService } from '../src/services/accounts.ts';
import { cliSandbox, type CliSandbox } from './helpers/cli.ts';

let sandbox: CliSandbox;
const cli = (args: string[], stdin = '', env: Record<string, string> = {}) => sandbox.run(args, stdin, env);
const inspect = <T>(read: (database: Database) => Promise<T>) => sandbox.inspect(read);

const usernames = (prefix: string) =>
  inspect(async ({ prisma }) =>
    (await prisma.user.findMany({ where: { username: { startsWith: prefix } }, orderBy: { username: 'asc' } })).map((u) => u.username),
  );

function csv(name: string, lines: string[]): string {
  const path = join(sandbox.dataDir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}

beforeAll(async () => {
  sandbox = await cliSandbox('campus-idp-cli-');
});

afterAll(async () => sandbox?.cleanup());

describe('campus-idp users import', () => {
  it('creates everyone in a good file, with contacts, statuses and an imported hash that signs in', async () => {
    const legacy = bcrypt.hashSync('Imported-Pass-1', 4);
    const file = csv('good.csv', [
      '\ufeffUsername,Name,Type,Department,Email,Phone,Card_Number,Password_Hash',
      `A0001,Li Hua,student,Physics,lihua@example.edu,13812345678,CARD-A1,${legacy}`,
      'A0002,"Wang, Fang",staff,,wang@example.edu,+85291234567,,',
    ]);
    const run = await cli(['users', 'import', file]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created 2');
    const people = await inspect(({ prisma }) =>
      prisma.user.findMany({ where: { username: { startsWith: 'A000' } }, include: { contacts: true }, orderBy: { username: 'asc' } }),
    );
    expect(people.map(({ username, displayName, status, cardNumber, passwordHash }) => ({ username, displayName, status, cardNumber, passwordHash }))).toEqual([
      { username: 'A0001', displayName: 'Li Hua', status: 'active', cardNumber: 'CARD-A1', passwordHash: legacy },
      { username: 'A0002', displayName: 'Wang, Fang', status: 'pending', cardNumber: null, passwordHash: null },
    ]);
    expect(people[0]?.contacts.map(({ role, value }) => [role, value]).sort()).toEqual([
      ['email', 'lihua@example.edu'],
      ['security_phone', '+8613812345678'],
    ]);
    const signIn = await inspect(({ prisma }) => createAccountService(prisma).authenticate('A0001', 'Imported-Pass-1'));
    expect(signIn.ok).toBe(true);
  });

  it('writes nothing when any row is bad, naming each line and field', async () => {
    const file = csv('bad.csv', [
      'username,name,type,email,phone',
      'B0001,Good Person,student,good@example.edu,',
      'B0002,Bad Type,wizard,,',
      'B0003,Bad Mail,staff,not-an-address,',
      'B0004,Good Too,staff,,13900001111',
    ]);
    const run = await cli(['users', 'import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 3, type: must be one of staff, student/);
    expect(run.stderr).toMatch(/line 4, email: must be an address/);
    expect(run.stderr).toContain('Nothing was written');
    expect(run.stdout).toContain('created 0, skipped 4');
    expect(await usernames('B000')).toEqual([]);
  });

  it('reports usernames repeated in the file and ones that already exist, and writes nothing', async () => {
    const file = csv('dupes.csv', [
      'username,name,type',
      'C0001,First,student',
      'A0001,Already There,student',
      'C0001,Second,student',
    ]);
    const run = await cli(['users', 'import', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 3, username: "A0001" already exists/);
    expect(run.stderr).toMatch(/line 4, username: "C0001" also appears on line 2/);
    expect(await usernames('C000')).toEqual([]);
    expect(await inspect(({ prisma }) => prisma.user.count({ where: { username: 'A0001', displayName: 'Li Hua' } }))).toBe(1);
  });

  it('with --partial writes the good rows and reports the bad ones', async () => {
    const file = csv('partial.csv', [
      'username,name,type,card_number',
      'D0001,Good One,student,',
      'D0002,Card Taken,student,CARD-A1',
      'D 0003,Bad Username,student,',
      'D0004,Good Two,alumni,',
    ]);
    const run = await cli(['users', 'import', file, '--partial']);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('created 2, skipped 2');
    expect(run.stderr).toMatch(/line 3, card_number: "CARD-A1" already belongs to user "A0001"/);
    expect(run.stderr).toMatch(/line 4, username: must be 1–64 characters/);
    expect(await usernames('D000')).toEqual(['D0001', 'D0004']);
  });

  it('names a missing required column, and explains a missing or empty file', async () => {
    const noType = await cli(['users', 'import', csv('no-type.csv', ['username,name', 'E0001,Someone'])]);
    expect(noType.code).toBe(1);
    expect(noType.stderr).toContain('missing required column "type"');
    const empty = await cli(['users', 'import', csv('empty.csv', [])]);
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('the file is empty');
    const missing = await cli(['users', 'import', join(sandbox.dataDir, 'nope.csv')]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^error: File not found: .*nope\.csv\n$/);
    expect(await usernames('E000')).toEqual([]);
  });
});

describe('campus-idp users set-password and flags', () => {
  it('reads the password from stdin and activates the pending user; refuses an empty one', async () => {
    const empty = await cli(['users', 'set-password', 'A0002'], '\n');
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain('empty');
    const run = await cli(['users', 'set-password', 'A0002'], 'New-Secret-Pass-7\nignored second line\n');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('status active');
    const result = await inspect(({ prisma }) => createAccountService(prisma).authenticate('A0002', 'New-Secret-Pass-7'));
    expect(result.ok).toBe(true);
  });

  it('rejects an unknown flag with exit code 2 and the usage, changing nothing', async () => {
    const run = await cli(['users', 'import', join(sandbox.dataDir, 'good.csv'), '--force']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("Unknown option '--force'");
    expect(run.stderr).toContain('Usage:');
    expect(run.stderr).not.toMatch(/\n\s+at /);
    const missingFlag = await cli(['users', 'add', '--username', 'F0001', '--type', 'staff']);
    expect(missingFlag.code).toBe(2);
    expect(missingFlag.stderr).toContain('--name is required');
    expect(await usernames('F000')).toEqual([]);
  });

  it('admin create makes a pending staff admin and tells how to set the password', async () => {
    const run = await cli(['admin', 'create', '--username', 'G0001', '--name', 'Site Admin']);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('campus-idp users set-password G0001');
    const admin = await inspect(({ prisma }) => prisma.user.findUniqueOrThrow({ where: { username: 'G0001' } }));
    expect(admin).toMatchObject({ type: 'staff', status: 'pending', roles: ['admin'] });
  });
});
