// Views escape what people type, carry the attributes browsers and password managers need, and speak both
// languages with the same keys.
import { describe, expect, it } from 'vitest';
import { renderLogin } from './login.ts';
import { renderConsent } from './consent.ts';
import { en } from '../i18n/en.ts';
import { zhCN } from '../i18n/zh-CN.ts';
import { negotiateLocale } from '../i18n/index.ts';

const base = { nonce: 'n0nce', csrfToken: 'tok', action: '/interaction/abc/login', forgotPasswordUrl: '/forgot-password' };

describe('sign-in page', () => {
  it('escapes a hostile login ID', () => {
    const page = renderLogin({ ...base, locale: 'en', loginId: '"><script>alert(1)</script>' });
    expect(page).not.toContain('<script>alert(1)');
    expect(page).toContain('&quot;&gt;&lt;script&gt;');
  });

  it('has the fields, autocomplete hints and CSRF token a browser needs', () => {
    const page = renderLogin({ ...base, locale: 'en' });
    expect(page).toMatch(/name="login_id"[^>]*autocomplete="username"/);
    expect(page).toMatch(/name="password"[^>]*autocomplete="current-password"/);
    expect(page).toContain('name="_csrf" value="tok"');
    expect(page).toContain('<script nonce="n0nce" src="/assets/login.js">');
    expect(page).toContain('href="/forgot-password"');
  });

  it('shows an error in an alert region, in the page language', () => {
    const english = renderLogin({ ...base, locale: 'en', error: 'invalid_credentials', loginId: 'x' });
    expect(english).toContain('<html lang="en">');
    expect(english).toMatch(/role="alert">Login ID or password is incorrect\./);
    const chinese = renderLogin({ ...base, locale: 'zh-CN', error: 'invalid_credentials', loginId: 'x' });
    expect(chinese).toContain('<html lang="zh-CN">');
    expect(chinese).toMatch(/role="alert">账号或密码错误。/);
  });
});

describe('consent page', () => {
  it('lists what the app will receive, in words', () => {
    const page = renderConsent({ ...base, locale: 'en', cancelAction: '/x/abort', clientName: '<Lib>', scopes: ['openid', 'email', 'campus'] });
    expect(page).toContain('&lt;Lib&gt;');
    expect(page).toContain(en.consent.scopes.email);
    expect(page).toContain(en.consent.scopes.campus);
    expect(page).not.toContain(en.consent.scopes.phone);
  });
});

describe('languages', () => {
  const keys = (value: unknown, prefix = ''): string[] =>
    typeof value === 'object' && value !== null
      ? Object.entries(value).flatMap(([key, inner]) => keys(inner, `${prefix}${key}.`))
      : [prefix];

  it('has the same message keys in zh-CN and en', () => {
    expect(keys(zhCN).sort()).toEqual(keys(en).sort());
  });

  it('negotiates: ui_locales first, then q-weighted Accept-Language, any Chinese as zh-CN', () => {
    expect(negotiateLocale({ uiLocales: 'fr en', acceptLanguage: 'zh-CN', fallback: 'zh-CN' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'en;q=0.5, zh-TW;q=0.9', fallback: 'en' })).toBe('zh-CN');
    expect(negotiateLocale({ preferred: 'en', acceptLanguage: 'zh', fallback: 'zh-CN' })).toBe('en');
    expect(negotiateLocale({ acceptLanguage: 'fr, de', fallback: 'zh-CN' })).toBe('zh-CN');
  });
});
