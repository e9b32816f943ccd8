// CSV import of the student registry (name, id_number, school, grade, class, enrolment_year, guardian_phone).
// Every row is checked first; any bad row (or a number repeated in the file) writes nothing. Otherwise all rows
// go in one transaction: new numbers are created, known ones (same keyed hash) updated. Only the hash is stored.
import { readCsvFile } from '../lib/read-csv-file.ts';
import { parse } from 'csv-parse/sync';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { checkIdentityFields, fieldIssueText, type FieldIssue, type IdentityField } from './identity-fields.ts';
import type { IdNumberHasher } from './national-id.ts';

export interface RegistryProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  field?: string;
  /** Operator wording (CLI); pages word `issue` in their own language when it is set. */
  message: string;
  issue?: FieldIssue;
  /** For a repeated ID number: the line it first appeared on. */
  duplicateOf?: number;
  /** A problem of the file rather than a field, for pages to word in their own language (`column`: the header's name). */
  kind?: RegistryFileIssue;
  column?: string;
}

export type RegistryFileIssue = 'not_csv' | 'empty' | 'no_rows' | 'unknown_column' | 'duplicate_column' | 'missing_column' | 'field_count' | 'store';

export interface RegistryImportReport {
  rows: number;
  created: number;
  updated: number;
  errors: RegistryProblem[];
}

const columns = ['name', 'id_number', 'school', 'grade', 'class', 'enrolment_year', 'guardian_phone'] as const;
type Column = (typeof columns)[number];
const columnOf: Record<IdentityField, string> = {
  name: 'name', id_number: 'id_number', school: 'school', grade: 'grade', class: 'class', enrolment_year: 'enrolment_year', guardian_name: 'guardian_name', guardian_phone: 'guardian_phone',
};
const chunkSize = 500;

interface ParsedRecord {
  record: string[];
  info: { lines: number };
}

interface RegistryRow {
  idNumberHash: string;
  name: string;
  school: string;
  grade: string;
  className: string;
  enrolmentYear: number;
  guardianPhone: string;
}

/** Throws ConfigError when the file cannot be read; every other problem is in the report. */
export async function importRegistryFromFile(prisma: PrismaClient, hasher: IdNumberHasher, path: string): Promise<RegistryImportReport> {
  const text = await readCsvFile(path);
  return importRegistryFromCsv(prisma, hasher, text);
}

export async function importRegistryFromCsv(prisma: PrismaClient, hasher: IdNumberHasher, text: string): Promise<RegistryImportReport> {
  const failed = (rows: number, errors: RegistryProblem[]): RegistryImportReport => ({ rows, created: 0, updated: 0, errors });
  let records: ParsedRecord[];
  try {
    const parsed: unknown = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true });
    records = parsed as ParsedRecord[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    // The parser's wording may quote a cell ("value is …"), which can be an ID number: keep only what comes before.
    const reason = (error instanceof Error ? error.message : String(error)).replace(/,? value is .*$/s, '').replace(/"[^"]{2,}"/g, '"…"');
    return failed(0, [{ line, message: `not valid CSV: ${reason}`, kind: 'not_csv' }]);
  }
  const [header, ...data] = records;
  if (!header) return failed(0, [{ line: 1, message: `the file is empty: expected a header row (${columns.join(', ')}) and at least one pupil`, kind: 'empty' }]);
  const names = header.record.map((name) => name.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const headerProblems: RegistryProblem[] = [];
  names.forEach((name, index) => {
    if (!(columns as readonly string[]).includes(name)) headerProblems.push({ line: 1, field: name, message: `unknown column "${header.record[index]}" (expected: ${columns.join(', ')})`, kind: 'unknown_column', column: header.record[index] ?? name });
    else if (names.indexOf(name) !== index) headerProblems.push({ line: 1, field: name, message: `column "${name}" appears twice`, kind: 'duplicate_column', column: name });
  });
  for (const name of columns) if (!names.includes(name)) headerProblems.push({ line: 1, field: name, message: `missing required column "${name}"`, kind: 'missing_column', column: name });
  if (headerProblems.length) return failed(data.length, headerProblems);
  if (data.length === 0) return failed(0, [{ line: 1, message: 'the file has a header but no pupils', kind: 'no_rows' }]);

  const errors: RegistryProblem[] = [];
  const good: RegistryRow[] = [];
  const firstLine = new Map<string, number>();
  for (const { record, info } of data) {
    const line = info.lines;
    if (record.length !== names.length) {
      errors.push({ line, message: `expected ${names.length} fields as in the header, found ${record.length}`, kind: 'field_count' });
      continue;
    }
    const cell = (name: Column) => record[names.indexOf(name)];
    const checked = checkIdentityFields(
      { name: cell('name'), idNumber: cell('id_number'), school: cell('school'), grade: cell('grade'), className: cell('class'), enrolmentYear: cell('enrolment_year'), guardianPhone: cell('guardian_phone') },
      { guardianName: false },
    );
    if (!checked.ok) {
      // Never echo an ID number into the report: it names the line and the field only.
      errors.push(...checked.issues.map(({ field, issue }) => ({ line, field: columnOf[field], message: fieldIssueText[issue], issue })));
      continue;
    }
    const { value } = checked;
    const idNumberHash = hasher.hash(value.idNumber);
    const earlier = firstLine.get(idNumberHash);
    if (earlier !== undefined) {
      errors.push({ line, field: 'id_number', message: `the same ID number is already on line ${earlier}`, duplicateOf: earlier });
      continue;
    }
    firstLine.set(idNumberHash, line);
    good.push({ idNumberHash, name: value.name, school: value.school, grade: value.grade, className: value.className, enrolmentYear: value.enrolmentYear, guardianPhone: value.guardianPhone });
  }
  errors.sort((a, b) => a.line - b.line);
  if (errors.length) return failed(data.length, errors);

  try {
    const { created, updated } = await writeRows(prisma, good);
    return { rows: data.length, created, updated, errors: [] };
  } catch (error) {
    const detail = error instanceof Error ? error.message.split('\n').filter(Boolean).at(-1) : String(error);
    return failed(data.length, [{ line: 1, message: `nothing was written; the store refused the import (run it again): ${detail}`, kind: 'store' }]);
  }
}

async function writeRows(prisma: PrismaClient, rows: RegistryRow[]): Promise<{ created: number; updated: number }> {
  return prisma.$transaction(
    async (tx) => {
      const known = new Set<string>();
      for (let start = 0; start < rows.length; start += chunkSize) {
        const found = await tx.registryRecord.findMany({ where: { idNumberHash: { in: rows.slice(start, start + chunkSize).map((row) => row.idNumberHash) } }, select: { idNumberHash: true } });
        for (const row of found) known.add(row.idNumberHash);
      }
      const fresh = rows.filter((row) => !known.has(row.idNumberHash));
      for (let start = 0; start < fresh.length; start += chunkSize) await tx.registryRecord.createMany({ data: fresh.slice(start, start + chunkSize) });
      const importedAt = new Date();
      for (const row of rows.filter((entry) => known.has(entry.idNumberHash))) {
        const { idNumberHash, ...fields } = row;
        await tx.registryRecord.update({ where: { idNumberHash }, data: { ...fields, importedAt } });
      }
      return { created: fresh.length, updated: rows.length - fresh.length };
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
}
