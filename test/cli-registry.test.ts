// `campus-idp registry import` as a subprocess against a real store: a good file is stored with hashed ID numbers
// only; a file with any bad row (bad check character, bad year, a number twice, a missing column) is reported line
// by line and changes nothing; a re-import updates the known pupils by their hash.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkCharacter, checkIdNumber } from '../src/services/national-id.ts';
import { cliSandbox, type CliSandbox } from './helpers/cli.ts';

let sandbox: CliSandbox;
const registryKey = Buffer.alloc(32, 9).toString('base64');
const cli = (args: string[]) => sandbox.run(args, '', { REGISTRY_KEY: registryKey });
const idNumber = (first17: string) => first17 + checkCharacter(first17);
const a = idNumber('44030420110102003');
const b = idNumber('44030420110405004');
const c = idNumber('44030420110808005');
const header = 'name,id_number,school,grade,class,enrolment_year,guardian_phone';

function csv(name: string, lines: string[]): string {
  const path = join(sandbox.dataDir, name);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
const rows = () => sandbox.inspect(({ prisma }) => prisma.registryRecord.findMany({ orderBy: { name: 'asc' } }));

beforeAll(async () => {
  sandbox = await cliSandbox('campus-idp-registry-');
});
afterAll(async () => sandbox?.cleanup());

describe('national ID numbers', () => {
  it('accepts a lower-case check letter and refuses wrong check characters and dates', () => {
    // Some sequence number gives the check character X (sum ≡ 2 mod 11).
    const first = Array.from({ length: 11 }, (_, index) => `11010520100315${String(index).padStart(3, '0')}`).find((digits) => checkCharacter(digits) === 'X') ?? '';
    expect(first).toHaveLength(17);
    expect(checkIdNumber(` ${first}x `)).toEqual({ ok: true, value: `${first}X` });
    expect(checkIdNumber(`${a.slice(0, 17)}${a.endsWith('0') ? '1' : '0'}`)).toEqual({ ok: false, problem: 'checksum' });
    expect(checkIdNumber(idNumber('44030420110230003'))).toEqual({ ok: false, problem: 'birth_date' });
    expect(checkIdNumber('4403042011010200')).toEqual({ ok: false, problem: 'format' });
  });
});

describe('campus-idp registry import', () => {
  it('stores a good file with the ID numbers only as keyed hashes', async () => {
    const run = await cli(['registry', 'import', csv('good.csv', [
      `\ufeff${header}`,
      `王小明,${a},实验小学,五年级,2班,2021,138 0000 1111`,
      `"Li, Lei",${b.toLowerCase()},实验小学,五年级,2班,2021,+8613800002222`,
    ])]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created 2, updated 0');
    const stored = await rows();
    expect(stored.map(({ name, className, enrolmentYear, guardianPhone }) => ({ name, className, enrolmentYear, guardianPhone }))).toEqual([
      { name: 'Li, Lei', className: '2班', enrolmentYear: 2021, guardianPhone: '+8613800002222' },
      { name: '王小明', className: '2班', enrolmentYear: 2021, guardianPhone: '+8613800001111' },
    ]);
    const text = JSON.stringify(stored);
    for (const number of [a, b, a.slice(0, 17)]) expect(text).not.toContain(number);
    expect(stored.every((row) => /^[0-9a-f]{64}$/.test(row.idNumberHash))).toBe(true);
  });

  it('reports every bad row with its line and changes nothing', async () => {
    const before = JSON.stringify(await rows());
    const badCheck = `${c.slice(0, 17)}${c.endsWith('1') ? '2' : '1'}`;
    const run = await cli(['registry', 'import', csv('bad.csv', [
      header,
      `王小明,${a},实验小学,五年级,3班,2021,13800001111`,
      `错号,${badCheck},实验小学,五年级,2班,2021,13800003333`,
      `年份,${c},实验小学,五年级,2班,21,13800003333`,
      `重复,${a},实验小学,五年级,2班,2021,13800004444`,
      `电话,${idNumber('44030420110909006')},实验小学,五年级,2班,2021,12345`,
    ])]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/line 3, id_number: has a wrong check character/);
    expect(run.stderr).toMatch(/line 4, enrolment_year: must be a four-digit year/);
    expect(run.stderr).toMatch(/line 5, id_number: the same ID number is already on line 2/);
    expect(run.stderr).toMatch(/line 6, guardian_phone: must be an 11-digit mainland mobile/);
    expect(run.stderr).toContain('Nothing was written');
    expect(run.stderr).not.toContain(badCheck);
    expect(JSON.stringify(await rows())).toBe(before);

    const missing = await cli(['registry', 'import', csv('missing.csv', ['name,id_number,school,grade,class,guardian_phone', `王小明,${a},实验小学,五年级,3班,13800001111`])]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/line 1, enrolment_year: missing required column "enrolment_year"/);
    expect(JSON.stringify(await rows())).toBe(before);
  });

  it('updates known pupils by their ID number on a re-import, and adds new ones', async () => {
    const run = await cli(['registry', 'import', csv('again.csv', [header, `王小明,${a},实验小学,六年级,1班,2021,13800001111`, `陈新,${c},实验小学,五年级,2班,2021,13800005555`])]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('created 1, updated 1');
    const stored = await rows();
    expect(stored).toHaveLength(3);
    expect(stored.find((row) => row.name === '王小明')).toMatchObject({ grade: '六年级', className: '1班' });
  });
});
