// Staff roles and reviewer scopes: which roles count, how a class scope is written, what a scope covers.
import { expect, it } from 'vitest';
import { checkScopeValue, scopeCovers, staffRolesOf } from './staff-roles.ts';

it('keeps only the staff roles, in a fixed order', () => {
  expect(staffRolesOf(['reviewer', 'teacher', 'admin'])).toEqual(['admin', 'reviewer']);
  expect(staffRolesOf(['teacher'])).toEqual([]);
});

it('accepts a class as three non-empty parts, trimmed, and refuses anything else', () => {
  expect(checkScopeValue('class', ' 一中 / 初一 / 3班 ')).toEqual({ value: '一中/初一/3班' });
  // The same class as an identity record's fields (NFKC, collapsed spaces): full-width brackets and digits.
  expect(checkScopeValue('class', '一中/初一/（３）班')).toEqual({ value: '一中/初一/(3)班' });
  expect(checkScopeValue('class', 'No.1  School/Grade 7/Class 3')).toEqual({ value: 'No.1 School/Grade 7/Class 3' });
  expect(checkScopeValue('class', 'School/Grade 7')).toHaveProperty('problem');
  expect(checkScopeValue('class', 'a//c')).toHaveProperty('problem');
  expect(checkScopeValue('class', 'a/b/c/d')).toHaveProperty('problem');
  expect(checkScopeValue('class', `a/b/${'x'.repeat(101)}`)).toHaveProperty('problem');
  expect(checkScopeValue('department', ' 教务处 ')).toEqual({ value: '教务处' });
  expect(checkScopeValue('department', '')).toHaveProperty('problem');
  expect(checkScopeValue('department', 'bad\u0007name')).toHaveProperty('problem');
});

it('covers an item only of the exact class or department', () => {
  const scopes = [{ kind: 'class' as const, value: 'S/G7/C3' }, { kind: 'department' as const, value: 'Physics' }];
  expect(scopeCovers(scopes, { school: 'S', grade: 'G7', className: 'C3' })).toBe(true);
  expect(scopeCovers(scopes, { school: 'S', grade: 'G7', className: 'C4' })).toBe(false);
  expect(scopeCovers(scopes, { department: 'Physics' })).toBe(true);
  expect(scopeCovers(scopes, { department: 'Chemistry' })).toBe(false);
  expect(scopeCovers(scopes, { department: null })).toBe(false);
  expect(scopeCovers([], { school: 'S', grade: 'G7', className: 'C3' })).toBe(false);
});
