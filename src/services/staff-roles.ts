// Who may enter the admin console and what they see there: the staff roles on User.roles (admin, reviewer,
// helpdesk) and a reviewer's scopes (ReviewerScope rows: a class "school/grade/class" or a department). Also the
// operator changes the CLI makes (grant or revoke a role, add or remove a scope). No Koa ctx here.
import type { PrismaClient } from '../generated/prisma/client.ts';
import { InputError } from './user-input.ts';
import { cleanText } from './identity-fields.ts';
import { isUuid } from '../lib/uuid.ts';

export const staffRoles = ['admin', 'reviewer', 'helpdesk'] as const;
export type StaffRole = (typeof staffRoles)[number];
export type ScopeKind = 'class' | 'department';

export interface ReviewerScopeEntry {
  kind: ScopeKind;
  /** kind class: "school/grade/class"; kind department: the department name. */
  value: string;
}

export const isStaffRole = (role: string): role is StaffRole => (staffRoles as readonly string[]).includes(role);

/** The staff roles among a person's roles, in a fixed order. */
export function staffRolesOf(roles: readonly string[]): StaffRole[] {
  return staffRoles.filter((role) => roles.includes(role));
}

const scopePartMax = 100;

/** "school/grade/class": three non-empty parts without surrounding spaces; each part at most 100 characters. */
export function checkScopeValue(kind: ScopeKind, raw: string): { value: string } | { problem: string } {
  const value = raw.normalize('NFC').trim();
  if (kind === 'department') {
    if (!value) return { problem: 'the department name is empty' };
    if (value.length > scopePartMax || /[\u0000-\u001f]/.test(value)) return { problem: `the department name must be 1–${scopePartMax} printable characters` };
    return { value };
  }
  // Written as identity records write school, grade and class (NFKC, spaces collapsed: identity-fields.ts), so
  // "初一（3）班" names the same class as a record's "初一(3)班".
  const parts = value.split('/').map((part) => cleanText(part));
  if (parts.length !== 3 || parts.some((part) => !part || part.length > scopePartMax || /[\u0000-\u001f]/.test(part))) {
    return { problem: `a class must be written "school/grade/class", e.g. "No.1 Middle School/Grade 7/Class 3" (got "${value.slice(0, 80)}")` };
  }
  return { value: parts.join('/') };
}

/** Whether a reviewer with `scopes` may see an item of this class (or department). */
export function scopeCovers(scopes: readonly ReviewerScopeEntry[], item: { school?: string; grade?: string; className?: string; department?: string | null }): boolean {
  return scopes.some((scope) =>
    scope.kind === 'class'
      ? item.school !== undefined && scope.value === `${item.school}/${item.grade ?? ''}/${item.className ?? ''}`
      : Boolean(item.department) && scope.value === item.department,
  );
}

export function createStaffDirectory(prisma: PrismaClient) {
  const userNamed = async (username: string) => {
    const user = await prisma.user.findUnique({ where: { username: username.trim() }, select: { id: true, username: true, displayName: true, roles: true, status: true } });
    if (!user) throw new InputError([{ field: 'username', message: `no user "${username.trim()}" exists` }]);
    return user;
  };

  return {
    async scopesOf(userId: string): Promise<ReviewerScopeEntry[]> {
      const rows = await prisma.reviewerScope.findMany({ where: { userId }, select: { kind: true, value: true }, orderBy: [{ kind: 'asc' }, { value: 'asc' }] });
      return rows.flatMap((row) => (row.kind === 'class' || row.kind === 'department' ? [{ kind: row.kind, value: row.value }] : []));
    },

    /** Login IDs of these accounts (for lists that hold only ids, e.g. the audit trail). */
    async usernamesOf(ids: readonly string[]): Promise<Map<string, string>> {
      const valid = [...new Set(ids)].filter((id) => isUuid(id));
      const rows = valid.length ? await prisma.user.findMany({ where: { id: { in: valid } }, select: { id: true, username: true } }) : [];
      return new Map(rows.map((row) => [row.id, row.username]));
    },

    async idOf(username: string): Promise<string | undefined> {
      return (await prisma.user.findUnique({ where: { username: username.trim() }, select: { id: true } }))?.id;
    },

    /** Adds a staff role; `changed` is false when the person already had it. */
    async grant(username: string, role: StaffRole) {
      const user = await userNamed(username);
      if (user.roles.includes(role)) return { user, changed: false };
      // Appends in one statement: a concurrent grant of another role is kept.
      const updated = await prisma.user.update({ where: { id: user.id }, data: { roles: { push: role } }, select: { id: true, username: true, displayName: true, roles: true, status: true } });
      return { user: updated, changed: true };
    },

    async revoke(username: string, role: StaffRole) {
      const user = await userNamed(username);
      if (!user.roles.includes(role)) return { user, changed: false };
      const updated = await prisma.user.update({ where: { id: user.id }, data: { roles: user.roles.filter((held) => held !== role) }, select: { id: true, username: true, displayName: true, roles: true, status: true } });
      return { user: updated, changed: true };
    },

    /** Adds (or with remove, deletes) one reviewer scope; throws InputError for a bad value. */
    async setScope(username: string, kind: ScopeKind, raw: string, remove = false) {
      const check = checkScopeValue(kind, raw);
      if ('problem' in check) throw new InputError([{ field: kind === 'class' ? 'class' : 'department', message: check.problem }]);
      const user = await userNamed(username);
      const key = { userId_kind_value: { userId: user.id, kind, value: check.value } };
      if (remove) {
        const { count } = await prisma.reviewerScope.deleteMany({ where: { userId: user.id, kind, value: check.value } });
        return { user, value: check.value, changed: count > 0 };
      }
      if (await prisma.reviewerScope.findUnique({ where: key })) return { user, value: check.value, changed: false };
      try {
        await prisma.reviewerScope.create({ data: { userId: user.id, kind, value: check.value } });
        return { user, value: check.value, changed: true };
      } catch (error) {
        if ((error as { code?: string }).code === 'P2002') return { user, value: check.value, changed: false };
        throw error;
      }
    },
  };
}

export type StaffDirectory = ReturnType<typeof createStaffDirectory>;
