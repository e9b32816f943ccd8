// The registry import's report for a file that is not valid CSV: it names the line, never a cell's content (a
// stray quote right after an ID number must not echo the number onto the admin page or the CLI output).
import { expect, it } from 'vitest';
import type { PrismaClient } from '../generated/prisma/client.ts';
import { importRegistryFromCsv } from './registry-import.ts';
import { checkCharacter, createIdNumberHasher } from './national-id.ts';

const idNumber = (first17: string) => first17 + checkCharacter(first17);

it('reports broken quoting by line without the cell that holds the ID number', async () => {
  const id = idNumber('11010520100315002');
  const untouched = new Proxy({}, { get: () => { throw new Error('the store must not be used'); } }) as PrismaClient;
  const report = await importRegistryFromCsv(untouched, createIdNumberHasher(Buffer.alloc(32, 1)), [
    'name,id_number,school,grade,class,enrolment_year,guardian_phone',
    `张三,${id}",一中,七年级,3班,2023,13800000001`,
  ].join('\n'));
  expect(report.created).toBe(0);
  expect(report.errors).toHaveLength(1);
  expect(report.errors[0]?.line).toBe(2);
  expect(report.errors[0]?.message).toMatch(/^not valid CSV/);
  expect(JSON.stringify(report)).not.toContain(id.slice(0, 17));
});
