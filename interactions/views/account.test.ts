// The account views: labels escaped, the last-factor warning only when policy demands a factor, zh-CN words, and
// the factor-name rule (trimmed, 1–64 characters).
import { describe, expect, it } from 'vitest';
import { checkFactorLabel } from '../../src/services/account-security.ts';
import { renderConfirm, renderSecurity } from './account.ts';

const factor = { id: '00000000-0000-4000-8000-000000000001', kind: 'passkey', label: '<b>Key</b>', createdAt: new Date(0), lastUsedAt: null };
const overview = { factors: [factor], recoveryCodesLeft: 3, trustedBrowsers: [] };

describe('account security views', () => {
  it('escapes labels, names unknown kinds generically, and warns before the last required factor goes', () => {
    const page = renderSecurity({ locale: 'en', nonce: 'n', csrfToken: 't', overview, mfaRequired: true });
    expect(page).toContain('&lt;b&gt;Key&lt;/b&gt;');
    expect(page).not.toContain('<b>Key</b>');
    expect(page).toContain('Passkey');
    expect(page).toContain('This is your only second factor');
    expect(renderSecurity({ locale: 'en', nonce: 'n', csrfToken: 't', overview, mfaRequired: false })).not.toContain('only second factor');
    expect(renderSecurity({ locale: 'en', nonce: 'n', csrfToken: 't', overview: { ...overview, factors: [{ ...factor, kind: 'smartcard' }] }, mfaRequired: false })).toContain('smartcard');
  });

  it('speaks Chinese to zh-CN and offers only the password when there is no authenticator app', () => {
    const page = renderConfirm({ locale: 'zh-CN', nonce: 'n', csrfToken: 't', action: '/account/security/recovery-codes', what: { kind: 'regenerate' }, fields: {}, offerCode: false, error: 'proofInvalid' });
    expect(page).toContain('确认是您本人');
    expect(page).toContain('验证码或密码不正确');
    expect(page).not.toContain('name="code"');
    expect(page).toContain('name="password"');
  });

  it('trims factor names and refuses empty or over-long ones', () => {
    expect(checkFactorLabel('  My \t phone ')).toEqual({ ok: true, label: 'My phone' });
    expect(checkFactorLabel(' \u200b ')).toEqual({ ok: false, problem: 'empty' });
    expect(checkFactorLabel(undefined)).toEqual({ ok: false, problem: 'empty' });
    expect(checkFactorLabel('手'.repeat(64))).toMatchObject({ ok: true });
    expect(checkFactorLabel('x'.repeat(65))).toEqual({ ok: false, problem: 'too_long' });
  });
});
