// The password rules as pure functions, shared by the server's policy and the browser's strength meter (which is
// bundled from interactions/browser): no Node built-ins, no I/O. Lengths count Unicode code points after NFKC,
// the same normalisation the hashing applies (NIST SP 800-63B 3.1.1.2).
import type { PasswordContext, PasswordProblem } from './password-policy.ts';

export interface PasswordRules {
  minLength: number;
  maxLength: number;
  /** How many of the four classes (upper case, lower case, digit, symbol) must appear; 0 = no class rule. */
  requiredClasses: number;
}

/** Personal words shorter than this are not looked for: "li" would forbid half of all passwords. */
const minimumPersonalWord = 4;
/** A blocklisted word found under appended digits or symbols must be at least this long to count. */
const minimumBlockedCore = 4;

export function normalizeForPolicy(password: string): string {
  return password.normalize('NFKC');
}

export function codePointLength(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

// Letters without case (Chinese characters, kana) count as symbols: they widen the alphabet as much as punctuation.
const classPatterns = [/\p{Lu}/u, /\p{Ll}/u, /\p{Nd}/u, /[^\p{Lu}\p{Ll}\p{Nd}]/u];

/** Which of upper case, lower case, digit, symbol appear (in that order). */
export function characterClasses(normalized: string): boolean[] {
  return classPatterns.map((pattern) => pattern.test(normalized));
}

/** The form blocklists are kept in: NFKC, lower case, trimmed. */
export function blocklistForm(word: string): string {
  return normalizeForPolicy(word).toLowerCase().trim();
}

const trailingDigitsAndSymbols = /[\p{N}\p{P}\p{S}\s]+$/u;
const leadingDigitsAndSymbols = /^[\p{N}\p{P}\p{S}\s]+/u;

/** True when the password, or the word left after stripping digits and symbols around it, is blocklisted. */
export function isBlocklisted(normalized: string, blocklist: ReadonlySet<string>): boolean {
  const whole = normalized.toLowerCase();
  if (blocklist.has(whole)) return true;
  const withoutSuffix = whole.replace(trailingDigitsAndSymbols, '');
  const core = withoutSuffix.replace(leadingDigitsAndSymbols, '');
  return [withoutSuffix, core].some((word) => codePointLength(word) >= minimumBlockedCore && blocklist.has(word));
}

/** The login ID, the name (each part and all parts joined) and the e-mail local part (and its parts), lower-cased. */
export function personalWords(context: PasswordContext): string[] {
  const words = new Set<string>();
  const add = (word: string) => {
    const form = blocklistForm(word);
    if (codePointLength(form) >= minimumPersonalWord) words.add(form);
  };
  if (context.loginId) add(context.loginId);
  if (context.displayName) {
    const parts = normalizeForPolicy(context.displayName).split(/[\s\p{P}\p{S}]+/u).filter(Boolean);
    parts.forEach(add);
    add(parts.join(''));
  }
  const local = context.email?.split('@')[0];
  if (local) {
    add(local);
    local.split(/[._+-]+/).forEach(add);
  }
  return [...words];
}

/** Every rule the password breaks, in a fixed order; an empty list means it is acceptable. */
export function findPasswordProblems(password: string, rules: PasswordRules, blocklist: ReadonlySet<string>, context: PasswordContext): PasswordProblem[] {
  const normalized = normalizeForPolicy(password);
  const length = codePointLength(normalized);
  const problems: PasswordProblem[] = [];
  if (length < rules.minLength) problems.push('too_short');
  if (length > rules.maxLength) problems.push('too_long');
  if (characterClasses(normalized).filter(Boolean).length < rules.requiredClasses) problems.push('missing_classes');
  if (length > 0 && isBlocklisted(normalized, blocklist)) problems.push('common');
  const lower = normalized.toLowerCase();
  if (personalWords(context).some((word) => lower.includes(word))) problems.push('contains_personal');
  return problems;
}
