// Validation and normalisation of a person's fields, shared by the CLI (`users add`, `admin create`) and the CSV
// import so both accept and reject exactly the same things, with messages that name the field and the fix.
import { ConfigError } from '../lib/errors.ts';

export const userTypes = ['staff', 'student', 'alumni', 'guest', 'contractor', 'other'] as const;
export type UserType = (typeof userTypes)[number];

export const userStatuses = ['active', 'disabled', 'pending'] as const;
export type UserStatus = (typeof userStatuses)[number];

/** Fields as typed by an operator or read from a CSV cell; empty strings count as absent for optional fields. */
export interface RawUserInput {
  username?: string | undefined;
  name?: string | undefined;
  type?: string | undefined;
  department?: string | undefined;
  email?: string | undefined;
  phone?: string | undefined;
  cardNumber?: string | undefined;
}

export interface ValidUserInput {
  username: string;
  displayName: string;
  type: UserType;
  department: string | undefined;
  email: string | undefined;
  /** E.164, e.g. +8613812345678. */
  phone: string | undefined;
  cardNumber: string | undefined;
}

/** `field` uses the CSV column names: username, name, type, department, email, phone, card_number. */
export interface FieldProblem {
  field: string;
  message: string;
}

/** One or more invalid fields; nothing was changed. */
export class InputError extends ConfigError {
  readonly problems: FieldProblem[];

  constructor(problems: FieldProblem[]) {
    super(problems.map((problem) => `${problem.field}: ${problem.message}`).join('; '));
    this.name = 'InputError';
    this.problems = problems;
  }
}

type Check<T> = { value: T } | { problem: string };

export function checkUsername(raw: string | undefined): Check<string> {
  const value = raw?.trim() ?? '';
  if (!value) return { problem: 'is required' };
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    return { problem: `must be 1–64 characters of letters, digits, ".", "_" or "-" (got "${clip(value)}")` };
  }
  return { value };
}

export function checkPhone(raw: string): Check<string> {
  const compact = raw.trim().replace(/[\s()-]/g, '').replace(/^00/, '+');
  if (/^1[3-9]\d{9}$/.test(compact)) return { value: `+86${compact}` };
  if (/^\+[1-9]\d{6,14}$/.test(compact)) return { value: compact };
  return { problem: `must be in E.164 form such as +8613812345678, or an 11-digit mainland mobile number (got "${clip(raw)}")` };
}

export function checkEmail(raw: string): Check<string> {
  const value = raw.trim();
  const at = value.lastIndexOf('@');
  if (value.length > 254 || at < 1 || !/^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(value)) {
    return { problem: `must be an address such as name@example.edu (got "${clip(raw)}")` };
  }
  // The domain is case-insensitive; the local part is left as given.
  return { value: value.slice(0, at + 1) + value.slice(at + 1).toLowerCase() };
}

export function checkRole(raw: string): Check<string> {
  const value = raw.trim();
  if (!/^[a-z][a-z0-9_:.-]{0,63}$/.test(value)) {
    return { problem: `must be 1–64 lower-case letters, digits, "_", ":", "." or "-", starting with a letter (got "${clip(value)}")` };
  }
  return { value };
}

/** Validates every field at once, returning all problems together. */
export function validateUserInput(raw: RawUserInput): { ok: true; value: ValidUserInput } | { ok: false; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const take = <T>(field: string, check: Check<T>): T | undefined => {
    if ('problem' in check) {
      problems.push({ field, message: check.problem });
      return undefined;
    }
    return check.value;
  };
  const optional = (value: string | undefined) => (value?.trim() ? value : undefined);

  const username = take('username', checkUsername(raw.username));
  const displayName = take('name', checkText(raw.name, 200, true));
  const type = take('type', checkType(raw.type));
  const department = take('department', checkText(raw.department, 200, false));
  const email = optional(raw.email) === undefined ? undefined : take('email', checkEmail(raw.email ?? ''));
  const phone = optional(raw.phone) === undefined ? undefined : take('phone', checkPhone(raw.phone ?? ''));
  const cardNumber = optional(raw.cardNumber) === undefined ? undefined : take('card_number', checkCardNumber(raw.cardNumber ?? ''));

  if (problems.length > 0 || username === undefined || displayName === undefined || type === undefined) {
    return { ok: false, problems };
  }
  return { ok: true, value: { username, displayName, type, department: department || undefined, email, phone, cardNumber } };
}

/** Like validateUserInput, but throws InputError. */
export function parseUserInput(raw: RawUserInput): ValidUserInput {
  const result = validateUserInput(raw);
  if (!result.ok) throw new InputError(result.problems);
  return result.value;
}

function checkType(raw: string | undefined): Check<UserType> {
  const value = raw?.trim().toLowerCase() ?? '';
  if (!value) return { problem: `is required: one of ${userTypes.join(', ')}` };
  const found = userTypes.find((type) => type === value);
  return found ? { value: found } : { problem: `must be one of ${userTypes.join(', ')} (got "${clip(value)}")` };
}

function checkCardNumber(raw: string): Check<string> {
  const value = raw.trim();
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(value)) {
    return { problem: `must be 1–64 characters of letters, digits, ".", "_" or "-" (got "${clip(value)}")` };
  }
  return { value };
}

function checkText(raw: string | undefined, max: number, required: boolean): Check<string> {
  const value = raw?.trim().replace(/\s+/g, ' ') ?? '';
  if (!value) return required ? { problem: 'is required' } : { value: '' };
  if (value.length > max) return { problem: `must be at most ${max} characters` };
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(value)) return { problem: 'must not contain control characters' };
  return { value };
}

function clip(value: string): string {
  return value.length > 40 ? `${value.slice(0, 40)}…` : value;
}
