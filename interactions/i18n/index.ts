// Picks the page language: ui_locales (OIDC) first, then the lang cookie/query, then Accept-Language, then the
// configured default. Any Chinese variant gets Simplified Chinese, our only Chinese translation.
import { en, type Messages } from './en.ts';
import { zhCN } from './zh-CN.ts';

export type Locale = 'zh-CN' | 'en';
export const locales: readonly Locale[] = ['zh-CN', 'en'];

export function toLocale(tag: string): Locale | undefined {
  const lower = tag.trim().toLowerCase();
  if (lower === 'zh' || lower.startsWith('zh-')) return 'zh-CN';
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  return undefined;
}

export function negotiateLocale(input: { uiLocales?: unknown; preferred?: string; acceptLanguage?: string; fallback: Locale }): Locale {
  if (typeof input.uiLocales === 'string') {
    for (const tag of input.uiLocales.split(' ')) {
      const locale = toLocale(tag);
      if (locale) return locale;
    }
  }
  const preferred = input.preferred ? toLocale(input.preferred) : undefined;
  if (preferred) return preferred;
  const ranked = (input.acceptLanguage ?? '')
    .split(',')
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';');
      const q = params.map((p) => /^\s*q=([\d.]+)\s*$/.exec(p)?.[1]).find(Boolean);
      return { tag, q: q === undefined ? 1 : Number(q), index };
    })
    .filter((entry) => entry.q > 0)
    .sort((a, b) => b.q - a.q || a.index - b.index);
  for (const entry of ranked) {
    const locale = toLocale(entry.tag);
    if (locale) return locale;
  }
  return input.fallback;
}

export function messages(locale: Locale): Messages {
  return locale === 'zh-CN' ? zhCN : en;
}

/** Fills `{name}` placeholders. */
export function format(template: string, values: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}
