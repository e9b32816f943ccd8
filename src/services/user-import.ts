// CSV import of people. Every row is checked (fields, duplicates in the file and against the store) before anything
// is written; then all good rows go in one transaction. all-or-nothing writes nothing if any row is bad.
import { randomUUID } from 'node:crypto';
import { readCsvFile } from '../lib/read-csv-file.ts';
import { parse } from 'csv-parse/sync';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { hashFormat } from './password-hashing.ts';
import { validateUserInput, type ValidUserInput } from './user-input.ts';

export type ImportMode = 'all-or-nothing' | 'partial';

export interface ImportProblem {
  /** 1-based line in the file (the header is line 1). */
  line: number;
  field?: string;
  message: string;
}

export interface ImportReport {
  mode: ImportMode;
  /** Data rows read. */
  rows: number;
  created: number;
  /** Rows not written: the bad ones, or every row when all-or-nothing met a bad one. */
  skipped: number;
  errors: ImportProblem[];
}

const requiredColumns = ['username', 'name', 'type'] as const;
const optionalColumns = ['department', 'email', 'phone', 'card_number', 'password_hash'] as const;
type Column = (typeof requiredColumns)[number] | (typeof optionalColumns)[number];
const knownColumns: readonly string[] = [...requiredColumns, ...optionalColumns];
const chunkSize = 500;

interface ParsedRecord {
  record: string[];
  /** `lines`: the line on which the record ends. */
  info: { lines: number };
}

interface GoodRow {
  line: number;
  user: ValidUserInput;
  passwordHash: string | undefined;
}

/** Throws ConfigError when the file cannot be read; every other problem is in the report. */
export async function importUsersFromFile(prisma: PrismaClient, path: string, mode: ImportMode = 'all-or-nothing'): Promise<ImportReport> {
  const text = await readCsvFile(path);
  return importUsersFromCsv(prisma, text, mode);
}

export async function importUsersFromCsv(prisma: PrismaClient, text: string, mode: ImportMode = 'all-or-nothing'): Promise<ImportReport> {
  const report = (rows: number, created: number, errors: ImportProblem[]): ImportReport => ({
    mode,
    rows,
    created,
    skipped: rows - created,
    errors,
  });

  let records: ParsedRecord[];
  try {
    // With `info: true` each entry is { record, info } although the typings still say string[].
    const parsed: unknown = parse(text, { bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true });
    records = parsed as ParsedRecord[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return report(0, 0, [{ line, message: `not valid CSV: ${error instanceof Error ? error.message : String(error)}` }]);
  }
  const [header, ...data] = records;
  if (!header) return report(0, 0, [{ line: 1, message: 'the file is empty: expected a header row and at least one person' }]);

  const columns = header.record.map((name) => name.trim().toLowerCase().replace(/[\s-]+/g, '_'));
  const headerProblems: ImportProblem[] = [];
  columns.forEach((name, index) => {
    if (!knownColumns.includes(name)) {
      headerProblems.push({ line: 1, field: name, message: `unknown column "${header.record[index]}" (known: ${knownColumns.join(', ')})` });
    } else if (columns.indexOf(name) !== index) {
      headerProblems.push({ line: 1, field: name, message: `column "${name}" appears twice` });
    }
  });
  for (const name of requiredColumns) {
    if (!columns.includes(name)) headerProblems.push({ line: 1, field: name, message: `missing required column "${name}"` });
  }
  if (headerProblems.length > 0) return report(data.length, 0, headerProblems);
  if (data.length === 0) return report(0, 0, [{ line: 1, message: 'the file has a header but no people' }]);

  const errors: ImportProblem[] = [];
  const candidates: GoodRow[] = [];
  for (const { record, info } of data) {
    const line = info.lines;
    if (record.length !== columns.length) {
      errors.push({ line, message: `expected ${columns.length} fields as in the header, found ${record.length}` });
      continue;
    }
    const cell = (name: Column) => {
      const index = columns.indexOf(name);
      return index < 0 ? undefined : record[index];
    };
    const checked = validateUserInput({
      username: cell('username'),
      name: cell('name'),
      type: cell('type'),
      department: cell('department'),
      email: cell('email'),
      phone: cell('phone'),
      cardNumber: cell('card_number'),
    });
    const rowProblems: ImportProblem[] = checked.ok ? [] : checked.problems.map((problem) => ({ line, ...problem }));
    const passwordHash = cell('password_hash') || undefined;
    if (passwordHash && !hashFormat(passwordHash)) {
      rowProblems.push({ line, field: 'password_hash', message: 'is not a recognised argon2, bcrypt ($2a$/$2b$/$2y$) or PBKDF2 ($pbkdf2-sha256$, $pbkdf2-sha512$) hash' });
    }
    if (rowProblems.length > 0 || !checked.ok) errors.push(...rowProblems);
    else candidates.push({ line, user: checked.value, passwordHash });
  }

  const good = await dropDuplicates(prisma, candidates, errors);
  errors.sort((a, b) => a.line - b.line);
  if (good.length === 0 || (mode === 'all-or-nothing' && errors.length > 0)) return report(data.length, 0, errors);

  try {
    await writeUsers(prisma, good);
  } catch (error) {
    // Someone created one of these people between our checks and the write: nothing was written.
    const detail = error instanceof Error ? error.message.split('\n').filter(Boolean).at(-1) : String(error);
    return report(data.length, 0, [...errors, { line: 1, message: `nothing was written; the store refused the import (run it again): ${detail}` }]);
  }
  return report(data.length, good.length, errors);
}

/** Usernames and card numbers must be unique within the file and against people already stored. */
async function dropDuplicates(prisma: PrismaClient, rows: GoodRow[], errors: ImportProblem[]): Promise<GoodRow[]> {
  const firstLine = { username: new Map<string, number>(), card_number: new Map<string, number>() };
  const storedUsernames = new Set<string>();
  const storedCards = new Map<string, string>();
  for (let start = 0; start < rows.length; start += chunkSize) {
    const chunk = rows.slice(start, start + chunkSize);
    const cards = chunk.flatMap((row) => (row.user.cardNumber ? [row.user.cardNumber] : []));
    const found = await prisma.user.findMany({
      where: { OR: [{ username: { in: chunk.map((row) => row.user.username) } }, { cardNumber: { in: cards } }] },
      select: { username: true, cardNumber: true },
    });
    for (const user of found) {
      storedUsernames.add(user.username);
      if (user.cardNumber) storedCards.set(user.cardNumber, user.username);
    }
  }
  return rows.filter(({ line, user }) => {
    const problems: ImportProblem[] = [];
    const earlier = firstLine.username.get(user.username);
    if (storedUsernames.has(user.username)) {
      problems.push({ line, field: 'username', message: `"${user.username}" already exists` });
    } else if (earlier !== undefined) {
      problems.push({ line, field: 'username', message: `"${user.username}" also appears on line ${earlier}` });
    } else {
      firstLine.username.set(user.username, line);
    }
    if (user.cardNumber) {
      const owner = storedCards.get(user.cardNumber);
      const earlierCard = firstLine.card_number.get(user.cardNumber);
      if (owner !== undefined) {
        problems.push({ line, field: 'card_number', message: `"${user.cardNumber}" already belongs to user "${owner}"` });
      } else if (earlierCard !== undefined) {
        problems.push({ line, field: 'card_number', message: `"${user.cardNumber}" also appears on line ${earlierCard}` });
      } else {
        firstLine.card_number.set(user.cardNumber, line);
      }
    }
    errors.push(...problems);
    return problems.length === 0;
  });
}

async function writeUsers(prisma: PrismaClient, rows: GoodRow[]): Promise<void> {
  const users = rows.map(({ user, passwordHash }) => ({
    id: randomUUID(),
    username: user.username,
    displayName: user.displayName,
    type: user.type,
    department: user.department ?? null,
    cardNumber: user.cardNumber ?? null,
    status: passwordHash ? 'active' : 'pending',
    passwordHash: passwordHash ?? null,
  }));
  const contacts = rows.flatMap(({ user }, index) => {
    const userId = users[index]?.id ?? '';
    return [
      ...(user.email ? [{ userId, role: 'email', value: user.email }] : []),
      ...(user.phone ? [{ userId, role: 'security_phone', value: user.phone }] : []),
    ];
  });
  await prisma.$transaction(
    async (tx) => {
      for (let start = 0; start < users.length; start += chunkSize) {
        await tx.user.createMany({ data: users.slice(start, start + chunkSize) });
      }
      for (let start = 0; start < contacts.length; start += chunkSize) {
        await tx.contactPoint.createMany({ data: contacts.slice(start, start + chunkSize) });
      }
    },
    { maxWait: 10_000, timeout: 120_000 },
  );
}
