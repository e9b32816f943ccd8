// ID numbers as people type them: full-width digits and letter from a Chinese input method, spaces between groups.
import { expect, it } from 'vitest';
import { checkCharacter, checkIdNumber } from './national-id.ts';

it('reads full-width digits, a full-width x and spaces as the same number', () => {
  const first17 = '11010520100315002';
  const id = first17 + checkCharacter(first17);
  const fullWidth = [...id].map((char) => String.fromCharCode(char.charCodeAt(0) + 0xfee0)).join('').toLowerCase();
  expect(checkIdNumber(fullWidth)).toEqual({ ok: true, value: id });
  expect(checkIdNumber(`${id.slice(0, 6)} ${id.slice(6, 14)} ${id.slice(14)}`)).toEqual({ ok: true, value: id });
  expect(checkIdNumber('１１０１０５')).toEqual({ ok: false, problem: 'format' });
});
