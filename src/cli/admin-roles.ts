// `campus-idp admin grant|revoke|scope`: gives or takes a staff role of the admin console (admin, reviewer,
// helpdesk) and sets a reviewer's scope (a class "school/grade/class" or a department). Repeats change nothing.
import { createStaffDirectory, isStaffRole, staffRoles, type ScopeKind } from '../services/staff-roles.ts';
import { parseCommand, required, UsageError, type CliContext } from './context.ts';

export const adminRoleUsage = `  campus-idp admin grant --username U --role admin|reviewer|helpdesk
  campus-idp admin revoke --username U --role admin|reviewer|helpdesk
  campus-idp admin scope --username U (--class "school/grade/class" | --department D) [--remove]

  grant/revoke: a staff role of the admin console (/admin; a second factor is required to enter).
  scope: what a reviewer reviews; repeat for more classes or departments, --remove to take one away.`;

export const adminRoleCommands = new Set(['grant', 'revoke', 'scope']);

export async function runAdminRoleCommand(sub: string, args: string[], context: CliContext, usage: string): Promise<number> {
  const directory = async () => createStaffDirectory((await context.database()).prisma);
  if (sub === 'grant' || sub === 'revoke') {
    const { values } = parseCommand(args, { username: { type: 'string' }, role: { type: 'string' } }, usage, 0);
    const username = required(values.username, '--username', usage).trim();
    const role = required(values.role, '--role', usage).trim();
    if (!isStaffRole(role)) throw new UsageError(`--role must be one of ${staffRoles.join(', ')} (got "${role}")`, usage);
    const staff = await directory();
    const { user, changed } = sub === 'grant' ? await staff.grant(username, role) : await staff.revoke(username, role);
    if (sub === 'grant') context.out(changed ? `Granted ${role} to ${user.username} (${user.displayName}).` : `${user.username} already has ${role}.`);
    else context.out(changed ? `Revoked ${role} from ${user.username} (${user.displayName}).` : `${user.username} did not have ${role}.`);
    if (sub === 'grant' && role === 'reviewer' && changed) context.out(`Give a scope with: campus-idp admin scope --username ${user.username} --class "school/grade/class"`);
    if (sub === 'grant') context.out('The admin console asks for a second factor: the person needs an authenticator app, a passkey or a verified phone.');
    return 0;
  }
  const { values } = parseCommand(args, { username: { type: 'string' }, class: { type: 'string' }, department: { type: 'string' }, remove: { type: 'boolean' } }, usage, 0);
  const username = required(values.username, '--username', usage).trim();
  if ((values.class === undefined) === (values.department === undefined)) throw new UsageError('give exactly one of --class or --department', usage);
  const kind: ScopeKind = values.class !== undefined ? 'class' : 'department';
  const staff = await directory();
  const { user, value, changed } = await staff.setScope(username, kind, String(values.class ?? values.department), values.remove === true);
  const what = `${kind} "${value}"`;
  if (values.remove) context.out(changed ? `Removed ${what} from ${user.username}.` : `${user.username} had no ${what}.`);
  else context.out(changed ? `${user.username} now reviews ${what}.` : `${user.username} already reviews ${what}.`);
  if (!values.remove && !user.roles.includes('reviewer')) context.out(`${user.username} is not a reviewer yet: campus-idp admin grant --username ${user.username} --role reviewer`);
  return 0;
}
