// `campus-idp admin create`: makes someone an administrator, creating them as pending staff if they are new.
// grant, revoke and scope (staff roles and reviewer scopes) are in admin-roles.ts.
import { createAccountService } from '../services/accounts.ts';
import { parseCommand, required, UsageError, type CliContext } from './context.ts';
import { adminRoleCommands, adminRoleUsage, runAdminRoleCommand } from './admin-roles.ts';

export const adminUsage = `Usage:
  campus-idp admin create --username U --name N

  Creates a staff user with the role "admin" (pending until a password is set), or grants "admin" to an
  existing user (then --name may be left out). Set the password with: campus-idp users set-password U

${adminRoleUsage}`;

export async function runAdminCommand(args: string[], context: CliContext): Promise<number> {
  const [sub, ...rest] = args;
  if (sub && adminRoleCommands.has(sub)) return runAdminRoleCommand(sub, rest, context, adminUsage);
  if (sub !== 'create') {
    throw new UsageError(sub === undefined ? 'admin: missing command' : `admin: unknown command "${sub}"`, adminUsage);
  }
  const { values } = parseCommand(rest, { username: { type: 'string' }, name: { type: 'string' } }, adminUsage, 0);
  const username = required(values.username, '--username', adminUsage).trim();
  const accounts = createAccountService((await context.database()).prisma);
  const existing = await accounts.findByUsername(username);
  const hint = `Set the password with: campus-idp users set-password ${username}`;
  if (existing) {
    const { user, added } = await accounts.grantRole(username, 'admin');
    context.out(added ? `Granted admin to ${user.username} (${user.displayName}).` : `${user.username} is already an admin.`);
    if (user.status === 'pending') context.out(hint);
    if (user.status === 'disabled') context.out(`${user.username} is disabled; enable with: campus-idp users enable ${user.username}`);
    return 0;
  }
  const name = required(values.name, '--name', adminUsage);
  const user = await accounts.createUser({ username, name, type: 'staff' }, { roles: ['admin'] });
  context.out(`Created administrator ${user.username} (${user.displayName}, staff), pending: no password yet.`);
  context.out(hint);
  return 0;
}
