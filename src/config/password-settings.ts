// PASSWORD_POLICY and its overrides: the rules for new passwords and what happens to existing weak ones.
import { readFileSync } from 'node:fs';
import type { SettingReader } from './setting-reader.ts';

/** Rules for every new password, and what a sign-in with an existing password that breaks them leads to. */
export interface PasswordPolicyConfig {
  /** PASSWORD_POLICY: nist (15 characters, no class rule) or campus (10 characters, upper, lower, digit, symbol). */
  preset: 'nist' | 'campus';
  /** In Unicode code points after NFKC. */
  minLength: number;
  maxLength: number;
  /** How many of upper case, lower case, digit and symbol a password needs (campus: all 4). */
  requiredClasses: number;
  /** PASSWORD_WEAK_EXISTING: allow the sign-in, make the person change the password first, or disable the account. */
  weakExisting: 'allow' | 'change' | 'disable';
  /** This deployment's own blocked words (PASSWORD_BLOCKLIST_FILE, one a line), e.g. the university's name. */
  extraBlocklist: string[];
}

export function passwordPolicySettings(settings: SettingReader): PasswordPolicyConfig {
  const { problems, read, integer, oneOf } = settings;
  const preset = oneOf('PASSWORD_POLICY', ['nist', 'campus'], 'nist');
  const defaults = preset === 'campus' ? { minLength: 10, requiredClasses: 4 } : { minLength: 15, requiredClasses: 0 };
  const file = read('PASSWORD_BLOCKLIST_FILE');
  let extraBlocklist: string[] = [];
  if (file !== undefined) {
    try {
      extraBlocklist = readFileSync(file, 'utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
    } catch (error) {
      problems.push(`PASSWORD_BLOCKLIST_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return {
    preset,
    minLength: integer('PASSWORD_MIN_LENGTH', defaults.minLength, 8, 64),
    // 1024 is the hashing module's limit (src/services/password-hashing.ts maxPasswordLength).
    maxLength: integer('PASSWORD_MAX_LENGTH', 128, 64, 1024),
    requiredClasses: defaults.requiredClasses,
    weakExisting: oneOf('PASSWORD_WEAK_EXISTING', ['allow', 'change', 'disable'], 'change'),
    extraBlocklist,
  };

}
