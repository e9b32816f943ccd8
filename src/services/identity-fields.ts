// The fields of an identity record and of a registry row, checked the same way for the CSV import, the person's
// form and self-registration: text is NFKC-normalised with spaces collapsed (so "三年级 " matches "三年级"), the
// ID number is checked (national-id.ts), the year is a plausible enrolment year, the guardian phone is a mobile.
import { checkIdNumber } from './national-id.ts';
import { checkPhone } from './user-input.ts';

export type IdentityField = 'name' | 'id_number' | 'school' | 'grade' | 'class' | 'enrolment_year' | 'guardian_name' | 'guardian_phone';
export type FieldIssue = 'required' | 'too_long' | 'id_format' | 'id_birth_date' | 'id_checksum' | 'year' | 'phone';

export interface RawIdentityFields {
  name?: unknown;
  idNumber?: unknown;
  school?: unknown;
  grade?: unknown;
  className?: unknown;
  enrolmentYear?: unknown;
  guardianName?: unknown;
  guardianPhone?: unknown;
}

/** The key fields: those that must equal a registry row for an automatic match. */
export interface KeyFields {
  name: string;
  /** Normalised (national-id.ts); never stored, only its keyed hash and hint. */
  idNumber: string;
  school: string;
  grade: string;
  className: string;
  enrolmentYear: number;
}

export interface IdentityFields extends KeyFields {
  guardianName: string;
  /** E.164. */
  guardianPhone: string;
}

export type FieldCheck<T> = { ok: true; value: T } | { ok: false; issues: { field: IdentityField; issue: FieldIssue }[] };

// Other control characters (a NUL the store refuses, a bell from a pasted form) are dropped.
export const cleanText = (value: unknown): string =>
  typeof value === 'string' ? value.normalize('NFKC').replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim() : '';

const limits: Partial<Record<IdentityField, number>> = { name: 64, school: 64, grade: 32, class: 32, guardian_name: 64 };

/**
 * Checks the given fields. `guardianName: false`: not asked (the registry CSV has only the phone).
 * `keepIdNumber`: a blank ID number is allowed (a correction keeps the number given before) and comes back as ''.
 */
export function checkIdentityFields(raw: RawIdentityFields, options: { guardianName?: boolean; keepIdNumber?: boolean } = {}): FieldCheck<IdentityFields> {
  const issues: { field: IdentityField; issue: FieldIssue }[] = [];
  const text = (field: IdentityField, value: unknown): string => {
    const cleaned = cleanText(value);
    if (!cleaned) issues.push({ field, issue: 'required' });
    else if (cleaned.length > (limits[field] ?? 64)) issues.push({ field, issue: 'too_long' });
    return cleaned;
  };
  const name = text('name', raw.name);
  let idNumber = '';
  const rawId = typeof raw.idNumber === 'string' ? raw.idNumber : '';
  if (!rawId.trim()) {
    if (!options.keepIdNumber) issues.push({ field: 'id_number', issue: 'required' });
  }
  else {
    const checked = checkIdNumber(rawId);
    if (checked.ok) idNumber = checked.value;
    else issues.push({ field: 'id_number', issue: checked.problem === 'format' ? 'id_format' : checked.problem === 'birth_date' ? 'id_birth_date' : 'id_checksum' });
  }
  const school = text('school', raw.school);
  const grade = text('grade', raw.grade);
  const className = text('class', raw.className);
  const yearText = cleanText(raw.enrolmentYear);
  const enrolmentYear = Number(yearText);
  if (!yearText) issues.push({ field: 'enrolment_year', issue: 'required' });
  else if (!/^\d{4}$/.test(yearText) || enrolmentYear < 1950 || enrolmentYear > new Date().getUTCFullYear() + 1) issues.push({ field: 'enrolment_year', issue: 'year' });
  const guardianName = options.guardianName !== false ? text('guardian_name', raw.guardianName) : cleanText(raw.guardianName);
  let guardianPhone = '';
  const rawPhone = cleanText(raw.guardianPhone);
  if (!rawPhone) issues.push({ field: 'guardian_phone', issue: 'required' });
  else {
    const phone = checkPhone(rawPhone);
    if ('value' in phone) guardianPhone = phone.value;
    else issues.push({ field: 'guardian_phone', issue: 'phone' });
  }
  if (issues.length) return { ok: false, issues };
  return { ok: true, value: { name, idNumber, school, grade, className, enrolmentYear, guardianName, guardianPhone } };
}

/** "school/grade/class": the value of a reviewer scope of kind class. */
export const classScopeValue = (fields: { school: string; grade: string; className: string }): string => `${fields.school}/${fields.grade}/${fields.className}`;

/** Operator wording for the CLI import. */
export const fieldIssueText: Record<FieldIssue, string> = {
  required: 'is required',
  too_long: 'is too long',
  id_format: 'must be an 18-character mainland ID number: 17 digits and a digit or X',
  id_birth_date: 'does not hold a real birth date (characters 7–14 are YYYYMMDD)',
  id_checksum: 'has a wrong check character (the last one): a digit was probably mistyped',
  year: `must be a four-digit year from 1950 to next year`,
  phone: 'must be an 11-digit mainland mobile number or E.164 such as +8613812345678',
};
