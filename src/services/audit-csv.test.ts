// CSV escaping and the formula guard of the audit export.
import { expect, it } from 'vitest';
import { auditCsv, csvCell } from './audit-csv.ts';

it('quotes separators, quotes and line breaks, and defuses formulas', () => {
  expect(csvCell('plain')).toBe('plain');
  expect(csvCell('a,b')).toBe('"a,b"');
  expect(csvCell('say "hi"')).toBe('"say ""hi"""');
  expect(csvCell('two\nlines')).toBe('"two\nlines"');
  expect(csvCell('=HYPERLINK("http://evil","x")')).toBe(`"'=HYPERLINK(""http://evil"",""x"")"`);
  expect(csvCell('+1')).toBe("'+1");
  expect(csvCell('-2+3')).toBe("'-2+3");
  expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
  expect(csvCell('\tcmd')).toBe("'\tcmd");
  expect(csvCell('a=b')).toBe('a=b');
});

it('writes one header and one CRLF row per event, detail split into columns', () => {
  const csv = auditCsv([
    { createdAt: new Date('2026-11-30T01:02:03.000Z'), type: 'admin.disable', userId: 'u1', loginId: '2024', ip: '10.0.0.1', userAgent: null, detail: { reason: '=cmd|"/c calc"', actor: 'ops', target: '2024', sessionsEnded: 2 } },
  ]);
  expect(csv.startsWith('\uFEFFtime,type,login_id,user_id,ip,reason,actor,target,detail,user_agent\r\n')).toBe(true);
  expect(csv).toContain(`2026-11-30T01:02:03.000Z,admin.disable,2024,u1,10.0.0.1,"'=cmd|""/c calc""",ops,2024,"{""sessionsEnded"":2}",\r\n`);
});
