// Reads the identity fields of a posted form (archive and /register) and turns field issues into the view's map.
import type { FieldIssue, IdentityField, RawIdentityFields } from '../src/services/identity-fields.ts';
import type { FieldIssues, FieldValues } from './views/identity.ts';

const text = (value: unknown, max = 128): string => (typeof value === 'string' ? value.slice(0, max) : '');

export function identityFieldsOf(form: Record<string, unknown>): { raw: RawIdentityFields; values: FieldValues } {
  const values: FieldValues = {
    name: text(form.name), id_number: text(form.id_number, 32), school: text(form.school), grade: text(form.grade), class: text(form.class),
    enrolment_year: text(form.enrolment_year, 8), guardian_name: text(form.guardian_name), guardian_phone: text(form.guardian_phone, 32),
  };
  return {
    values,
    raw: {
      name: values.name, idNumber: values.id_number, school: values.school, grade: values.grade, className: values.class,
      enrolmentYear: values.enrolment_year, guardianName: values.guardian_name, guardianPhone: values.guardian_phone,
    },
  };
}

export const issuesMap = (issues: { field: IdentityField; issue: FieldIssue }[]): FieldIssues =>
  Object.fromEntries(issues.map(({ field, issue }) => [field, issue])) as FieldIssues;
