// The password policy: minimum and maximum length in code points after NFKC, character classes (the "campus"
// preset), a blocklist of common and leaked passwords shipped with the project (zxcvbn-ts's list plus campus
// words, no network lookup), and the person's own login ID, name and e-mail name. Built once from the config.
import { dictionary } from '@zxcvbn-ts/language-common';
import type { Config } from '../config/env.ts';
import { isPasswordTooLong, maxPasswordLength } from './password-hashing.ts';
import { campusPasswordWords } from './campus-password-words.ts';
import { blocklistForm, findPasswordProblems } from './password-rules.ts';

export type PasswordProblem = 'too_short' | 'too_long' | 'missing_classes' | 'common' | 'contains_personal';
export interface PasswordContext { loginId?: string; displayName?: string; email?: string }
export interface PasswordPolicy {
  check(password: string, context: PasswordContext): { ok: true } | { ok: false; problems: PasswordProblem[] };
  readonly rules: { minLength: number; maxLength: number; requiredClasses: number };
  readonly weakExisting: 'allow' | 'change' | 'disable';
}

let shippedBlocklist: Set<string> | undefined;

/** zxcvbn-ts's common and leaked passwords (about 49,000) and our campus words, built once per process. */
export function shippedPasswordBlocklist(): ReadonlySet<string> {
  shippedBlocklist ??= new Set([...dictionary['passwords-common'], ...campusPasswordWords].map(blocklistForm));
  return shippedBlocklist;
}

/** What a person's record offers the personal-word rule: login ID, name, institutional e-mail. */
export function passwordContextOf(user: { username: string; displayName: string; contacts?: { role: string; value: string }[] }): PasswordContext {
  return { loginId: user.username, displayName: user.displayName, email: user.contacts?.find((contact) => contact.role === 'email')?.value };
}

export function createPasswordPolicy(config: Config['passwordPolicy']): PasswordPolicy {
  const { minLength, maxLength, requiredClasses, weakExisting } = config;
  if (!Number.isInteger(minLength) || minLength < 1 || maxLength < minLength) throw new Error(`password policy: lengths ${minLength}–${maxLength} are not a range`);
  // The hashing refuses longer input: a password the policy accepts must be one the hashing takes.
  if (maxLength > maxPasswordLength) throw new Error(`password policy: maxLength ${maxLength} exceeds the hashing limit ${maxPasswordLength}`);
  if (!Number.isInteger(requiredClasses) || requiredClasses < 0 || requiredClasses > 4) throw new Error(`password policy: requiredClasses must be 0–4 (got ${requiredClasses})`);
  const extra = config.extraBlocklist.map(blocklistForm).filter(Boolean);
  const blocklist = extra.length ? new Set([...shippedPasswordBlocklist(), ...extra]) : shippedPasswordBlocklist();
  const rules = Object.freeze({ minLength, maxLength, requiredClasses });

  return {
    rules,
    weakExisting,
    check(password, context) {
      const problems = findPasswordProblems(password, rules, blocklist, context);
      // Astral characters count once here but twice against the hashing's UTF-16 limit (too short cannot apply then).
      if (!problems.includes('too_long') && isPasswordTooLong(password)) problems.unshift('too_long');
      return problems.length ? { ok: false, problems } : { ok: true };
    },
  };
}
