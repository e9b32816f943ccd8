// People: sign-in by login ID (staff or student number) and password, lookups for claims, and the few changes an
// operator makes (create, set password, enable/disable, grant a role). Every outcome is a value, never a ctx.
import type { ContactPoint, PrismaClient, User } from '../generated/prisma/client.ts';
import { hashPassword, isPasswordTooLong, verifyPassword } from './password-hashing.ts';
import { createTtlCache } from '../lib/ttl-cache.ts';
import { InputError, checkPhone, checkRole, checkUsername, parseUserInput, type RawUserInput } from './user-input.ts';
import { isUuid } from '../lib/uuid.ts';

export type UserRecord = User & { contacts: ContactPoint[] };

export type AuthFailure = 'invalid_credentials' | 'card_number_not_login_id' | 'account_disabled' | 'account_pending';
export type AuthResult = { ok: true; user: UserRecord } | { ok: false; reason: AuthFailure };

export interface CreateUserOptions {
  roles?: string[];
  /** A PHC hash carried over from another system; the user is then active, otherwise pending. */
  passwordHash?: string;
}

export interface AccountService {
  /** loginId: the username, or a verified login phone (E.164 or an 11-digit mainland number). */
  authenticate(loginId: string, password: string): Promise<AuthResult>;
  findById(id: string): Promise<UserRecord | undefined>;
  findByUsername(username: string): Promise<UserRecord | undefined>;
  /** Throws InputError naming each bad field, or a username / card number that is already taken. */
  createUser(input: RawUserInput, options?: CreateUserOptions): Promise<UserRecord>;
  /** Stores a new argon2id hash (ending trusted browsers and app passwords); a pending user becomes active, a disabled one stays disabled. */
  setPassword(username: string, password: string): Promise<UserRecord>;
  /** Enabling someone who has no password yet leaves them pending; the returned record says which. */
  setStatus(username: string, status: 'active' | 'disabled'): Promise<UserRecord>;
  /** Adds the role if missing; `added` is false when the user already had it. */
  grantRole(username: string, role: string): Promise<{ user: UserRecord; added: boolean }>;
  /** Drops this instance's cached copy after a change written elsewhere (e.g. the admin console's status changes). */
  forget(id: string): void;
}

/** The phone second-factor codes go to: the verified security phone, else the verified login phone. */
export function verifiedPhone(user: UserRecord): string | undefined {
  const verified = (role: string) => user.contacts.find((contact) => contact.role === role && contact.verifiedAt)?.value;
  return verified('security_phone') ?? verified('login_phone');
}


/**
 * How long a looked-up account may be reused. Token, userinfo and CAS validation paths read the account on
 * every request; a change made on another instance (e.g. disabling someone) is seen within this time.
 */
export const accountCacheMs = 2_000;

export function createAccountService(prisma: PrismaClient): AccountService {
  const recent = createTtlCache<UserRecord>(accountCacheMs);
  // Unknown users and users without a password still cost one argon2 verify, so timing does not tell them apart.
  let dummyHash: Promise<string> | undefined;
  const spendOneVerify = async (password: string) => {
    dummyHash ??= hashPassword('campus-idp timing equaliser');
    await verifyPassword(await dummyHash, password);
  };

  const byUsername = async (username: string) =>
    (await prisma.user.findUnique({ where: { username }, include: { contacts: true } })) ?? undefined;

  // A verified login phone (E.164 or 11 mainland digits) signs in too; a security phone never does.
  const byLoginPhone = async (loginId: string) => {
    const phone = checkPhone(loginId);
    if ('problem' in phone) return undefined;
    const contact = await prisma.contactPoint.findFirst({
      where: { role: 'login_phone', value: phone.value, verifiedAt: { not: null } },
      select: { user: { include: { contacts: true } } },
    });
    return contact?.user;
  };

  const existing = async (username: string): Promise<UserRecord> => {
    const user = await byUsername(username.trim());
    if (!user) throw new InputError([{ field: 'username', message: `no user "${username.trim()}" exists` }]);
    return user;
  };

  return {
    async authenticate(loginId, password) {
      const id = loginId.trim();
      // Refused before any lookup or hashing: the answer does not depend on who is asking.
      if (!id || !password || isPasswordTooLong(password)) return { ok: false, reason: 'invalid_credentials' };
      const user = (await byUsername(id)) ?? (await byLoginPhone(id));
      if (!user) {
        await spendOneVerify(password);
        const card = await prisma.user.findUnique({ where: { cardNumber: id }, select: { id: true } });
        return { ok: false, reason: card ? 'card_number_not_login_id' : 'invalid_credentials' };
      }
      if (!user.passwordHash) {
        await spendOneVerify(password);
        return { ok: false, reason: 'account_pending' };
      }
      const { ok, needsRehash } = await verifyPassword(user.passwordHash, password);
      if (!ok) return { ok: false, reason: 'invalid_credentials' };
      if (user.status === 'disabled') return { ok: false, reason: 'account_disabled' };
      if (user.status !== 'active') return { ok: false, reason: 'account_pending' };
      if (needsRehash) {
        const upgraded = await hashPassword(password);
        // Only replaces the hash we verified: a password set meanwhile by an operator wins.
        const { count } = await prisma.user.updateMany({
          where: { id: user.id, passwordHash: user.passwordHash },
          data: { passwordHash: upgraded },
        });
        if (count === 1) user.passwordHash = upgraded;
      }
      return { ok: true, user };
    },

    async findById(id) {
      if (!isUuid(id)) return undefined;
      const cached = recent.get(id);
      if (cached) return cached;
      const user = (await prisma.user.findUnique({ where: { id }, include: { contacts: true } })) ?? undefined;
      if (user) recent.set(id, user);
      return user;
    },

    findByUsername: (username) => byUsername(username.trim()),

    async createUser(input, options = {}) {
      const valid = parseUserInput(input);
      const roles = (options.roles ?? []).map((role) => {
        const check = checkRole(role);
        if ('problem' in check) throw new InputError([{ field: 'role', message: check.problem }]);
        return check.value;
      });
      const taken = await prisma.user.findFirst({
        where: { OR: [{ username: valid.username }, ...(valid.cardNumber ? [{ cardNumber: valid.cardNumber }] : [])] },
        select: { username: true, cardNumber: true },
      });
      if (taken?.username === valid.username) {
        throw new InputError([{ field: 'username', message: `"${valid.username}" is already taken` }]);
      }
      if (taken) {
        throw new InputError([{ field: 'card_number', message: `"${valid.cardNumber}" already belongs to user "${taken.username}"` }]);
      }
      const contacts = [
        ...(valid.email ? [{ role: 'email', value: valid.email }] : []),
        ...(valid.phone ? [{ role: 'security_phone', value: valid.phone }] : []),
      ];
      return prisma.user.create({
        data: {
          username: valid.username,
          displayName: valid.displayName,
          type: valid.type,
          department: valid.department ?? null,
          cardNumber: valid.cardNumber ?? null,
          roles,
          status: options.passwordHash ? 'active' : 'pending',
          passwordHash: options.passwordHash ?? null,
          contacts: { create: contacts },
        },
        include: { contacts: true },
      });
    },

    async setPassword(username, password) {
      const user = await existing(username);
      if (!password) throw new InputError([{ field: 'password', message: 'must not be empty' }]);
      const passwordHash = await hashPassword(password);
      // A new password ends every "trust this browser" and every app password of the person, in the same transaction.
      const [, , updated] = await prisma.$transaction([
        prisma.deviceTrust.deleteMany({ where: { userId: user.id } }),
        prisma.appPassword.deleteMany({ where: { userId: user.id } }),
        prisma.user.update({
          where: { id: user.id },
          data: { passwordHash, passwordChangedAt: new Date(), status: user.status === 'pending' ? 'active' : user.status },
          include: { contacts: true },
        }),
      ]);
      recent.delete(user.id);
      return updated;
    },

    async setStatus(username, status) {
      const user = await existing(username);
      const next = status === 'active' && !user.passwordHash ? 'pending' : status;
      const updated = await prisma.user.update({ where: { id: user.id }, data: { status: next }, include: { contacts: true } });
      recent.delete(user.id);
      return updated;
    },

    async grantRole(username, role) {
      const name = checkUsername(username);
      if ('problem' in name) throw new InputError([{ field: 'username', message: name.problem }]);
      const check = checkRole(role);
      if ('problem' in check) throw new InputError([{ field: 'role', message: check.problem }]);
      const user = await existing(name.value);
      if (user.roles.includes(check.value)) return { user, added: false };
      const updated = await prisma.user.update({
        where: { id: user.id },
        data: { roles: { push: check.value } },
        include: { contacts: true },
      });
      recent.delete(user.id);
      return { user: updated, added: true };
    },

    forget: (id) => recent.delete(id),
  };
}
