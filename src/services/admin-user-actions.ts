// What the admin console does to a person's account, without a Koa ctx: find people, read everything about one,
// and the changes (disable, enable, require a new password, sign out everywhere, clear the sign-in lockout,
// unbind a second factor or a WeChat identity). Each change is a conditional write, so a second submission finds
// nothing to do and says `changed: false` (the route then neither audits nor notifies twice).
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { AccountSession } from './account-sessions.ts';
import type { SecurityOverview } from './account-security.ts';
import type { LinkedIdentity } from './external-identities.ts';
import type { SignInLimiter } from './sign-in-limiter.ts';
import type { PasswordProblem } from './password-policy.ts';
import type { UserRecord } from './accounts.ts';
import { checkPhone } from './user-input.ts';
import { isUuid } from '../lib/uuid.ts';

export interface UserSummary {
  id: string;
  username: string;
  displayName: string;
  type: string;
  status: string;
  department: string | null;
}

export interface UserProfile {
  user: UserRecord;
  security: SecurityOverview;
  identities: LinkedIdentity[];
  sessions: AccountSession[];
  locked: boolean;
  passwordChangeRequired: boolean;
}

export interface AdminUserActionsDependencies {
  prisma: PrismaClient;
  /** Drops the account service's cached copy after a status change (accounts.forget). */
  forget(userId: string): void;
  security: { overview(userId: string): Promise<SecurityOverview>; removeFactor(userId: string, factorId: string): Promise<{ removed: boolean; factorsLeft: number }>; findFactor(userId: string, factorId: string): Promise<{ kind: string; label: string } | undefined> };
  identities: { list(userId: string): Promise<LinkedIdentity[]>; find(userId: string, id: string): Promise<LinkedIdentity | undefined>; unlink(userId: string, id: string): Promise<boolean> };
  /** Ends sessions with their grants, CAS single logout and back-channel logout (account-sessions.ts). */
  sessions: { list(accountId: string): Promise<AccountSession[]>; revokeAll(accountId: string): Promise<number> };
  weakPasswords: { mark(user: UserRecord, problems: PasswordProblem[]): Promise<void>; pending(accountId: string): Promise<PasswordProblem[] | undefined> };
  /** The sign-in limiters whose per-account counters "unlock" clears (sign-in page, app passwords). */
  limiters: Pick<SignInLimiter, 'accountBlocked' | 'recordSuccess'>[];
}

export const searchMin = 2;
export const searchLimit = 50;
const summary = { id: true, username: true, displayName: true, type: true, status: true, department: true } as const;

export function createAdminUserActions(deps: AdminUserActionsDependencies) {
  const { prisma } = deps;

  /** Every ID the person signs in with (each has its own lockout counter): login ID and verified login phone. */
  const loginIdsOf = (user: UserRecord) => [user.username, ...user.contacts.filter((contact) => contact.role === 'login_phone' && contact.verifiedAt).map((contact) => contact.value)];

  const isLocked = async (user: UserRecord) => {
    for (const limiter of deps.limiters) for (const id of loginIdsOf(user)) if (await limiter.accountBlocked(id)) return true;
    return false;
  };

  const fresh = async (userId: string) => (isUuid(userId) ? ((await prisma.user.findUnique({ where: { id: userId }, include: { contacts: true } })) ?? undefined) : undefined);

  return {
    /** Login ID or name containing the query (case-insensitive), or a phone number ending in its digits. */
    async search(raw: string): Promise<{ users: UserSummary[]; more: boolean }> {
      // Control characters never match and a NUL is refused by the store: drop them.
      const query = raw.normalize('NFC').replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100);
      if (query.length < searchMin) return { users: [], more: false };
      const digits = query.replace(/[\s()+-]/g, '');
      const phone = checkPhone(query);
      const phoneTail = 'value' in phone ? phone.value.slice(-11) : /^\d{4,}$/.test(digits) ? digits : undefined;
      const users = await prisma.user.findMany({
        where: {
          OR: [
            { username: { contains: query, mode: 'insensitive' } },
            { displayName: { contains: query, mode: 'insensitive' } },
            ...(phoneTail ? [{ contacts: { some: { role: { in: ['login_phone', 'security_phone'] }, value: { endsWith: phoneTail } } } }] : []),
          ],
        },
        select: summary,
        orderBy: { username: 'asc' },
        take: searchLimit + 1,
      });
      return { users: users.slice(0, searchLimit), more: users.length > searchLimit };
    },

    async profile(userId: string): Promise<UserProfile | undefined> {
      const user = await fresh(userId);
      if (!user) return undefined;
      const [security, identities, sessions, locked, pending] = await Promise.all([
        deps.security.overview(user.id),
        deps.identities.list(user.id),
        deps.sessions.list(user.id),
        isLocked(user),
        deps.weakPasswords.pending(user.id),
      ]);
      return { user, security, identities, sessions, locked, passwordChangeRequired: Boolean(pending) };
    },

    /** Disables (from active or pending) and ends every session. */
    async disable(userId: string): Promise<{ changed: boolean; sessionsEnded: number }> {
      const { count } = await prisma.user.updateMany({ where: { id: userId, status: { not: 'disabled' } }, data: { status: 'disabled' } });
      deps.forget(userId);
      // Sessions end even on a repeat: a session that slipped in between is not left behind.
      const sessionsEnded = await deps.sessions.revokeAll(userId);
      return { changed: count === 1, sessionsEnded };
    },

    /** Enables a disabled account: active with a password, pending without one. */
    async enable(userId: string): Promise<{ changed: boolean; status?: 'active' | 'pending' }> {
      const withPassword = await prisma.user.updateMany({ where: { id: userId, status: 'disabled', passwordHash: { not: null } }, data: { status: 'active' } });
      deps.forget(userId);
      if (withPassword.count === 1) return { changed: true, status: 'active' };
      const without = await prisma.user.updateMany({ where: { id: userId, status: 'disabled', passwordHash: null }, data: { status: 'pending' } });
      return without.count === 1 ? { changed: true, status: 'pending' } : { changed: false };
    },

    /**
     * The next password sign-in stops at "choose a new password" (the weak-password step, after the second factor
     * when the person has one); every session ends now. The mark lapses by itself once any new password is set.
     */
    async requirePasswordChange(userId: string): Promise<{ changed: boolean; sessionsEnded: number }> {
      const user = await fresh(userId);
      if (!user) return { changed: false, sessionsEnded: 0 };
      const already = Boolean(await deps.weakPasswords.pending(user.id));
      if (!already) await deps.weakPasswords.mark(user, []);
      const sessionsEnded = await deps.sessions.revokeAll(user.id);
      return { changed: !already, sessionsEnded };
    },

    signOutEverywhere: async (userId: string): Promise<{ sessionsEnded: number }> => ({ sessionsEnded: await deps.sessions.revokeAll(userId) }),

    /** Clears the per-account failed sign-in counters (never the per-address ones). */
    async unlock(userId: string): Promise<{ changed: boolean }> {
      const user = await fresh(userId);
      if (!user || !(await isLocked(user))) return { changed: false };
      for (const limiter of deps.limiters) for (const id of loginIdsOf(user)) await limiter.recordSuccess(id);
      return { changed: true };
    },

    async unbindFactor(userId: string, factorId: string): Promise<{ changed: boolean; kind?: string; label?: string }> {
      const factor = await deps.security.findFactor(userId, factorId);
      if (!factor) return { changed: false };
      const { removed } = await deps.security.removeFactor(userId, factorId);
      return removed ? { changed: true, kind: factor.kind, label: factor.label } : { changed: false };
    },

    async unbindIdentity(userId: string, identityId: string): Promise<{ changed: boolean; provider?: string }> {
      // identities.find lets 36 dashes through to the store (a malformed uuid there): check strictly first.
      if (!isUuid(identityId)) return { changed: false };
      const identity = await deps.identities.find(userId, identityId);
      if (!identity) return { changed: false };
      return (await deps.identities.unlink(userId, identity.id)) ? { changed: true, provider: identity.provider } : { changed: false };
    },
  };
}

export type AdminUserActions = ReturnType<typeof createAdminUserActions>;
