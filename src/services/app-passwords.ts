// App passwords: one per mail client or program that cannot sign in through a browser. The server makes each one
// (16 random lowercase letters, ~75.2 bits, shown once as `abcd efgh ijkl mnop`) and keeps only its SHA-256 digest:
// a slow hash protects guessable human passwords, and these are not guessable, while every IMAP login would pay
// for it. They work only where a caller asks for them (CAS REST, the verification API), never on the sign-in page.
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { PrismaClient } from '../generated/prisma/client.ts';
import type { UserRecord } from './accounts.ts';

export const appPasswordNameMax = 64;
/** Enough for every mail client and program a person uses; a cap keeps verify's per-user scan small. */
export const appPasswordsPerUser = 25;
const letters = 'abcdefghijklmnopqrstuvwxyz';
const length = 16;

export interface AppPasswordSummary {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

/** The person an app password belongs to, and which of their app passwords it was. */
export type VerifiedUser = UserRecord & { appPasswordId: string };

export type NameCheck = { ok: true; name: string } | { ok: false; problem: 'empty' | 'too_long' };

/** A name as typed: trimmed, whitespace runs collapsed, no control characters, 1–64 characters. */
export function checkAppPasswordName(input: unknown): NameCheck {
  const name = typeof input === 'string' ? input.normalize('NFC').replace(/[\p{Cc}\p{Cf}]/gu, '').replace(/\s+/g, ' ').trim() : '';
  if (!name) return { ok: false, problem: 'empty' };
  if ([...name].length > appPasswordNameMax) return { ok: false, problem: 'too_long' };
  return { ok: true, name };
}

/** The 16 letters without the spaces people copy along (and in lower case), or undefined when it cannot be one. */
export function normaliseAppPassword(candidate: string): string | undefined {
  const compact = candidate.replace(/\s+/g, '').toLowerCase();
  return compact.length === length && /^[a-z]+$/.test(compact) ? compact : undefined;
}

const digest = (compact: string) => createHash('sha256').update(compact).digest('hex');

export function createAppPasswords(prisma: PrismaClient) {
  return {
    /** Makes a new app password; `password` is shown once and never again. Throws when the person has too many. */
    async create(userId: string, name: string): Promise<{ id: string; password: string }> {
      const compact = Array.from({ length }, () => letters[randomInt(letters.length)]).join('');
      const count = await prisma.appPassword.count({ where: { userId } });
      if (count >= appPasswordsPerUser) throw new TooManyAppPasswords();
      const created = await prisma.appPassword.create({ data: { userId, name, hash: digest(compact) }, select: { id: true } });
      return { id: created.id, password: compact.match(/.{4}/g)!.join(' ') };
    },

    async list(userId: string): Promise<AppPasswordSummary[]> {
      return prisma.appPassword.findMany({
        where: { userId },
        select: { id: true, name: true, createdAt: true, lastUsedAt: true, lastUsedIp: true },
        orderBy: { createdAt: 'asc' },
      });
    },

    /** The one app password `id` of this person (for its name), or undefined. */
    async find(userId: string, id: string): Promise<AppPasswordSummary | undefined> {
      if (!uuid.test(id)) return undefined;
      return (await prisma.appPassword.findFirst({ where: { id, userId }, select: { id: true, name: true, createdAt: true, lastUsedAt: true, lastUsedIp: true } })) ?? undefined;
    },

    /** True when it existed (and belonged to this person). */
    async revoke(userId: string, id: string): Promise<boolean> {
      if (!uuid.test(id)) return false;
      const { count } = await prisma.appPassword.deleteMany({ where: { id, userId } });
      return count === 1;
    },

    /** Ends every app password of the person (a password reset calls this); returns how many there were. */
    async revokeAll(userId: string): Promise<number> {
      const { count } = await prisma.appPassword.deleteMany({ where: { userId } });
      return count;
    },

    /** Still there (not revoked)? A CAS ticket-granting ticket minted with one lives only as long as it does. */
    async exists(id: string): Promise<boolean> {
      return uuid.test(id) && (await prisma.appPassword.count({ where: { id } })) === 1;
    },

    /**
     * The active person whose app password this is, or undefined. One query whether or not the login ID exists,
     * every stored digest compared in constant time; a match records when and from where it was used.
     */
    async verify(username: string, password: string, ip?: string): Promise<VerifiedUser | undefined> {
      const compact = normaliseAppPassword(password);
      const login = username.trim();
      if (!compact || !login || login.length > 128) return undefined;
      const wanted = Buffer.from(digest(compact), 'hex');
      const candidates = await prisma.appPassword.findMany({
        where: { user: { username: login } },
        select: { id: true, hash: true, user: { include: { contacts: true } } },
      });
      let match: (typeof candidates)[number] | undefined;
      for (const candidate of candidates) {
        if (timingSafeEqual(Buffer.from(candidate.hash, 'hex'), wanted)) match = candidate;
      }
      if (!match || match.user.status !== 'active') return undefined;
      await prisma.appPassword.updateMany({ where: { id: match.id }, data: { lastUsedAt: new Date(), lastUsedIp: ip ?? null } });
      return { ...match.user, appPasswordId: match.id };
    },
  };
}

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export class TooManyAppPasswords extends Error {
  constructor() {
    super(`at most ${appPasswordsPerUser} app passwords per person`);
    this.name = 'TooManyAppPasswords';
  }
}

export type AppPasswords = ReturnType<typeof createAppPasswords>;
