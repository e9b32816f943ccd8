// Mainland resident ID numbers (GB 11643): normalised (trimmed, a lower-case check letter x upper-cased), checked
// (18 characters, a real birth date, the ISO 7064 MOD 11-2 check character) and kept only as a keyed hash
// (HMAC-SHA256 under the registry key) plus the last four characters to show the person which number they gave.
import { createHmac } from 'node:crypto';

const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const checkCharacters = '10X98765432';

export type IdNumberCheck = { ok: true; value: string } | { ok: false; problem: 'format' | 'birth_date' | 'checksum' };

/** The check character for the first 17 digits (also used by tests to make valid numbers). */
export function checkCharacter(first17: string): string {
  const sum = [...first17].reduce((total, digit, index) => total + Number(digit) * (weights[index] ?? 0), 0);
  return checkCharacters[sum % 11] ?? '';
}

/** NFKC first: a Chinese input method's full-width digits and ｘ are the same number; spaces between groups go. */
export function normaliseIdNumber(raw: string): string {
  return raw.normalize('NFKC').replace(/\s+/g, '').toUpperCase();
}

export function checkIdNumber(raw: string): IdNumberCheck {
  const value = normaliseIdNumber(raw);
  if (!/^\d{17}[\dX]$/.test(value)) return { ok: false, problem: 'format' };
  const [year, month, day] = [Number(value.slice(6, 10)), Number(value.slice(10, 12)), Number(value.slice(12, 14))];
  const born = new Date(Date.UTC(year, month - 1, day));
  if (year < 1900 || born.getUTCMonth() !== month - 1 || born.getUTCDate() !== day || born.getTime() > Date.now()) return { ok: false, problem: 'birth_date' };
  if (checkCharacter(value.slice(0, 17)) !== value[17]) return { ok: false, problem: 'checksum' };
  return { ok: true, value };
}

export interface IdNumberHasher {
  /** Hex HMAC-SHA256 of the normalised number. */
  hash(normalised: string): string;
}

export function createIdNumberHasher(key: Buffer): IdNumberHasher {
  if (key.length < 32) throw new Error('the registry key must be at least 32 bytes');
  return { hash: (normalised) => createHmac('sha256', key).update(normalised, 'utf8').digest('hex') };
}

/** The last four characters: enough for the person to recognise the number, not to find it. */
export const idNumberHint = (normalised: string): string => normalised.slice(-4);
