// Password hashing: argon2id at OWASP's parameters for everything we write; imported bcrypt and PBKDF2 hashes
// still verify and report `needsRehash` so the first good sign-in upgrades them. Never throws on a bad stored hash.
import { pbkdf2, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import { hash as argon2Hash, verify as argon2Verify, parseOptions, type Algorithm } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';

/** Longer passwords are refused before any hashing: a megabyte "password" must not cost a megabyte of work. */
export const maxPasswordLength = 1024;

/** OWASP Password Storage Cheat Sheet: argon2id, m=19456 KiB, t=2, p=1. */
export const argon2Policy = { memoryCost: 19_456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

// `Algorithm` is an ambient const enum (isolated modules cannot read it); 2 is Argon2id.
const argon2id = 2 as Algorithm;

export interface VerifyResult {
  ok: boolean;
  /** True when the password was right but the stored hash is not argon2id at the current policy. */
  needsRehash: boolean;
}

export class PasswordTooLongError extends Error {
  constructor() {
    super(`Passwords may be at most ${maxPasswordLength} characters long`);
    this.name = 'PasswordTooLongError';
  }
}

export type HashFormat = 'argon2' | 'bcrypt' | 'pbkdf2';

const pbkdf2Async = promisify(pbkdf2);
const pbkdf2Digests: Record<string, 'sha256' | 'sha512'> = { 'pbkdf2-sha256': 'sha256', 'pbkdf2-sha512': 'sha512' };
const maxPbkdf2Iterations = 10_000_000;

/** NFKC-normalises, so full-width and composed forms typed on different keyboards give the same password. */
export function normalizePassword(password: string): string {
  if (password.length > maxPasswordLength) throw new PasswordTooLongError();
  const normalized = password.normalize('NFKC');
  if (normalized.length > maxPasswordLength) throw new PasswordTooLongError();
  return normalized;
}

export function isPasswordTooLong(password: string): boolean {
  return password.length > maxPasswordLength || password.normalize('NFKC').length > maxPasswordLength;
}

export async function hashPassword(password: string): Promise<string> {
  return argon2Hash(normalizePassword(password), { ...argon2Policy, algorithm: argon2id });
}

/** Throws PasswordTooLongError for an overlong password; any stored hash, however malformed, gives ok: false. */
export async function verifyPassword(storedHash: string, password: string): Promise<VerifyResult> {
  const candidate = normalizePassword(password);
  const fail = { ok: false, needsRehash: false };
  try {
    switch (hashFormat(storedHash)) {
      case 'argon2': {
        const ok = await argon2Verify(storedHash, candidate);
        return { ok, needsRehash: ok && !argon2MatchesPolicy(storedHash) };
      }
      case 'bcrypt': {
        const ok = await bcrypt.compare(candidate, storedHash);
        return { ok, needsRehash: ok };
      }
      case 'pbkdf2': {
        const ok = await verifyPbkdf2(storedHash, candidate);
        return { ok, needsRehash: ok };
      }
      default:
        return fail;
    }
  } catch {
    return fail;
  }
}

/** Recognises a stored hash by its prefix and shape; undefined for anything we cannot verify. */
export function hashFormat(storedHash: string): HashFormat | undefined {
  if (/^\$argon2(id|i|d)\$/.test(storedHash)) {
    try {
      parseOptions(storedHash);
      return 'argon2';
    } catch {
      return undefined;
    }
  }
  if (/^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/.test(storedHash)) return 'bcrypt';
  if (parsePbkdf2(storedHash)) return 'pbkdf2';
  return undefined;
}

function argon2MatchesPolicy(storedHash: string): boolean {
  const options = parseOptions(storedHash);
  return (
    options.algorithm === argon2id &&
    options.memoryCost === argon2Policy.memoryCost &&
    options.timeCost === argon2Policy.timeCost &&
    options.parallelism === argon2Policy.parallelism
  );
}

interface Pbkdf2Hash {
  digest: 'sha256' | 'sha512';
  iterations: number;
  salt: Buffer;
  hash: Buffer;
}

/**
 * `$pbkdf2-sha256$i=29000$<salt>$<hash>` (PHC, standard base64 without padding; `i=…,l=…` accepted) and passlib's
 * `$pbkdf2-sha256$29000$<salt>$<hash>` (its "ab64" alphabet: `.` for `+`).
 */
function parsePbkdf2(storedHash: string): Pbkdf2Hash | undefined {
  const match = /^\$(pbkdf2-sha(?:256|512))\$(?:i=(\d+)(?:,l=\d+)?|(\d+))\$([A-Za-z0-9+/.]+={0,2})\$([A-Za-z0-9+/.]+={0,2})$/.exec(storedHash);
  if (!match) return undefined;
  const [, scheme = '', phcRounds, passlibRounds, salt = '', hash = ''] = match;
  const digest = pbkdf2Digests[scheme];
  const iterations = Number(phcRounds ?? passlibRounds);
  const decode = (value: string) => Buffer.from(value.replace(/\./g, '+'), 'base64');
  const decoded = { salt: decode(salt), hash: decode(hash) };
  if (!digest || !Number.isSafeInteger(iterations) || iterations < 1 || iterations > maxPbkdf2Iterations) return undefined;
  if (decoded.salt.length < 1 || decoded.hash.length < 16 || decoded.hash.length > 128) return undefined;
  return { digest, iterations, ...decoded };
}

async function verifyPbkdf2(storedHash: string, password: string): Promise<boolean> {
  const parsed = parsePbkdf2(storedHash);
  if (!parsed) return false;
  const derived = await pbkdf2Async(password, parsed.salt, parsed.iterations, parsed.hash.length, parsed.digest);
  return timingSafeEqual(derived, parsed.hash);
}
