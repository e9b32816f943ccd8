// `campus-idp users …`: import a CSV, add one person, set a password from stdin, disable and enable.
import { resolve } from 'node:path';
import { createAccountService } from '../services/accounts.ts';
import { importUsersFromFile, type ImportReport } from '../services/user-import.ts';
import { userTypes } from '../services/user-input.ts';
import { parseCommand, required, UsageError, type CliContext } from './context.ts';
import { readNewPassword } from './read-password.ts';
import { createPasswordPolicy, passwordContextOf, type PasswordPolicy, type PasswordProblem } from '../services/password-policy.ts';

export const usersUsage = `Usage:
  campus-idp users import FILE.csv [--partial]
  campus-idp users add --username U --name N --type T [--department D] [--email E] [--phone P] [--card-number C]
  campus-idp users set-password USERNAME      (reads the password from stdin: one line, or a hidden prompt)
  campus-idp users disable USERNAME
  campus-idp users enable USERNAME

  import      columns (header row, any case): username, name, type, and optionally department, email, phone,
              card_number, password_hash (argon2, bcrypt or PBKDF2 PHC strings). Rows without a password hash
              are created pending. Any bad row writes nothing, unless --partial writes the good rows.
  --type      one of ${userTypes.join(', ')}
  --phone     E.164 (+8613812345678) or an 11-digit mainland mobile number; stored as a security phone`;

export async function runUsersCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'import':
      return importCommand(rest, context);
    case 'add':
      return addCommand(rest, context);
    case 'set-password':
      return setPasswordCommand(rest, context);
    case 'disable':
    case 'enable':
      return statusCommand(sub, rest, context);
    case undefined:
      throw new UsageError('users: missing command', usersUsage);
    default:
      throw new UsageError(`users: unknown command "${sub}"`, usersUsage);
  }
}

async function importCommand(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseCommand(args, { partial: { type: 'boolean' } }, usersUsage, 1);
  const file = resolve(positionals[0] ?? '');
  const { prisma } = await context.database();
  const report = await importUsersFromFile(prisma, file, values.partial ? 'partial' : 'all-or-nothing');
  printReport(report, positionals[0] ?? file, context);
  return report.errors.length > 0 ? 1 : 0;
}

function printReport(report: ImportReport, file: string, context: CliContext): void {
  for (const problem of report.errors) {
    context.err(`${file}: line ${problem.line}${problem.field ? `, ${problem.field}` : ''}: ${problem.message}`);
  }
  context.out(`Read ${report.rows} row${report.rows === 1 ? '' : 's'} (${report.mode}): created ${report.created}, skipped ${report.skipped}.`);
  if (report.errors.length === 0) return;
  if (report.created === 0 && report.rows > 0) {
    context.err(
      report.mode === 'partial'
        ? 'Nothing was written: no row was good.'
        : 'Nothing was written. Fix the rows above and run again, or use --partial to import only the good rows.',
    );
  } else if (report.created > 0) {
    context.err(`${report.errors.length} problem${report.errors.length === 1 ? '' : 's'}: the rows above were not imported.`);
  }
}

async function addCommand(args: string[], context: CliContext): Promise<number> {
  const { values } = parseCommand(
    args,
    {
      username: { type: 'string' },
      name: { type: 'string' },
      type: { type: 'string' },
      department: { type: 'string' },
      email: { type: 'string' },
      phone: { type: 'string' },
      'card-number': { type: 'string' },
    },
    usersUsage,
    0,
  );
  const input = {
    username: required(values.username, '--username', usersUsage),
    name: required(values.name, '--name', usersUsage),
    type: required(values.type, '--type', usersUsage),
    department: stringOrUndefined(values.department),
    email: stringOrUndefined(values.email),
    phone: stringOrUndefined(values.phone),
    cardNumber: stringOrUndefined(values['card-number']),
  };
  const accounts = createAccountService((await context.database()).prisma);
  const user = await accounts.createUser(input);
  context.out(`Created ${user.username} (${user.displayName}, ${user.type}), pending: no password yet.`);
  context.out(`Set one with: campus-idp users set-password ${user.username}`);
  return 0;
}

async function setPasswordCommand(args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommand(args, {}, usersUsage, 1);
  const accounts = createAccountService((await context.database()).prisma);
  const username = positionals[0] ?? '';
  // Ask for the password only once we know whose it is.
  const found = await accounts.findByUsername(username);
  if (!found) {
    context.err(`error: no user "${username}" exists`);
    return 1;
  }
  const password = await readNewPassword(context.stdin, (text) => context.prompt(text));
  if (!password) {
    context.err('error: the password is empty; nothing was changed');
    return 1;
  }
  const policy = createPasswordPolicy(context.config().passwordPolicy);
  const check = policy.check(password, passwordContextOf(found));
  if (!check.ok) {
    for (const problem of check.problems) context.err(`error: ${problemLine(problem, policy.rules)}`);
    context.err('Nothing was changed. The rules are set by PASSWORD_POLICY and PASSWORD_MIN_LENGTH.');
    return 1;
  }
  const user = await accounts.setPassword(username, password);
  context.out(`Password set for ${user.username}; status ${user.status}.`);
  return 0;
}

/** The operator's words for each rule a password breaks (the pages say the same in zh-CN and en). */
function problemLine(problem: PasswordProblem, rules: PasswordPolicy['rules']): string {
  switch (problem) {
    case 'too_short':
      return `the password is too short: use at least ${rules.minLength} characters`;
    case 'too_long':
      return `the password is too long: use at most ${rules.maxLength} characters`;
    case 'missing_classes':
      return rules.requiredClasses >= 4
        ? 'the password needs upper-case and lower-case letters, a digit and a symbol'
        : `the password needs at least ${rules.requiredClasses} of: upper-case letters, lower-case letters, digits, symbols`;
    case 'common':
      return 'the password is too common: it is in lists of leaked passwords (perhaps with digits or symbols added)';
    case 'contains_personal':
      return "the password contains the person's login ID, name or e-mail name";
  }
}

async function statusCommand(action: 'disable' | 'enable', args: string[], context: CliContext): Promise<number> {
  const { positionals } = parseCommand(args, {}, usersUsage, 1);
  const accounts = createAccountService((await context.database()).prisma);
  const user = await accounts.setStatus(positionals[0] ?? '', action === 'enable' ? 'active' : 'disabled');
  if (action === 'enable' && user.status === 'pending') {
    context.out(`${user.username} has no password yet and stays pending; set one with: campus-idp users set-password ${user.username}`);
  } else {
    context.out(`${user.username} is now ${user.status}.`);
  }
  return 0;
}

function stringOrUndefined(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
