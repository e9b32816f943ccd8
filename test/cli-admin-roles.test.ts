// `campus-idp admin grant|revoke|scope` as a real subprocess against a real store: staff roles of the admin
// console and a reviewer's classes and departments, repeats that change nothing, and bad input refused.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cliSandbox, type CliSandbox } from './helpers/cli.ts';

let sandbox: CliSandbox;
const cli = (args: string[]) => sandbox.run(args);
const person = () =>
  sandbox.inspect(({ prisma }) => prisma.user.findUniqueOrThrow({ where: { username: 'T9001' }, select: { roles: true, reviewerScopes: { select: { kind: true, value: true }, orderBy: { value: 'asc' } } } }));

beforeAll(async () => {
  sandbox = await cliSandbox('campus-idp-cli-admin-');
  expect((await cli(['users', 'add', '--username', 'T9001', '--name', 'Zhang Wei', '--type', 'staff'])).code).toBe(0);
}, 120_000);
afterAll(async () => sandbox?.cleanup());

it('grants and revokes staff roles, once each', async () => {
  const granted = await cli(['admin', 'grant', '--username', 'T9001', '--role', 'reviewer']);
  expect(granted.code).toBe(0);
  expect(granted.stdout).toContain('Granted reviewer to T9001 (Zhang Wei).');
  expect(granted.stdout).toContain('campus-idp admin scope --username T9001');
  expect((await cli(['admin', 'grant', '--username', 'T9001', '--role', 'reviewer'])).stdout).toContain('T9001 already has reviewer.');
  expect((await cli(['admin', 'grant', '--username', 'T9001', '--role', 'helpdesk'])).code).toBe(0);
  expect((await person()).roles).toEqual(['reviewer', 'helpdesk']);
  const revoked = await cli(['admin', 'revoke', '--username', 'T9001', '--role', 'helpdesk']);
  expect(revoked.stdout).toContain('Revoked helpdesk from T9001');
  expect((await person()).roles).toEqual(['reviewer']);
}, 120_000);

it('adds and removes reviewer scopes, normalising the class', async () => {
  const added = await cli(['admin', 'scope', '--username', 'T9001', '--class', ' No.1 Middle School / Grade 7 / Class 3 ']);
  expect(added.code).toBe(0);
  expect(added.stdout).toContain('T9001 now reviews class "No.1 Middle School/Grade 7/Class 3".');
  expect((await cli(['admin', 'scope', '--username', 'T9001', '--class', 'No.1 Middle School/Grade 7/Class 3'])).stdout).toContain('already reviews');
  expect((await cli(['admin', 'scope', '--username', 'T9001', '--department', '教务处'])).code).toBe(0);
  expect((await person()).reviewerScopes).toEqual([
    { kind: 'class', value: 'No.1 Middle School/Grade 7/Class 3' },
    { kind: 'department', value: '教务处' },
  ]);
  const removed = await cli(['admin', 'scope', '--username', 'T9001', '--department', '教务处', '--remove']);
  expect(removed.stdout).toContain('Removed department "教务处" from T9001.');
  expect((await person()).reviewerScopes).toHaveLength(1);
}, 120_000);

it('refuses bad input with a message and changes nothing', async () => {
  const role = await cli(['admin', 'grant', '--username', 'T9001', '--role', 'root']);
  expect(role.code).toBe(2);
  expect(role.stderr).toContain('--role must be one of admin, reviewer, helpdesk (got "root")');
  const unknown = await cli(['admin', 'grant', '--username', 'nobody', '--role', 'admin']);
  expect(unknown.code).toBe(1);
  expect(unknown.stderr).toContain('no user "nobody" exists');
  const badClass = await cli(['admin', 'scope', '--username', 'T9001', '--class', 'Grade 7 only']);
  expect(badClass.code).toBe(1);
  expect(badClass.stderr).toContain('school/grade/class');
  const both = await cli(['admin', 'scope', '--username', 'T9001', '--class', 'a/b/c', '--department', 'd']);
  expect(both.code).toBe(2);
  expect(both.stderr).toContain('exactly one of --class or --department');
  expect(await person()).toEqual({ roles: ['reviewer'], reviewerScopes: [{ kind: 'class', value: 'No.1 Middle School/Grade 7/Class 3' }] });
}, 120_000);
