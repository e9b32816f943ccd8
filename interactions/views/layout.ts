// The page shell shared by every view: language, viewport, our stylesheet, nonce'd scripts, language switch.
import { html, type SafeHtml } from '../../src/lib/html.ts';
import { messages, type Locale } from '../i18n/index.ts';

export interface PageFrame {
  locale: Locale;
  nonce: string;
  /** Links that show the same page in the other language. */
  languageLinks?: Record<Locale, string>;
}

export function renderPage(frame: PageFrame & { title: string; body: SafeHtml; scripts?: string[]; styles?: string[] }): string {
  const t = messages(frame.locale);
  const switcher = frame.languageLinks
    ? html`<nav class="languages" aria-label="${t.switchLanguage}">
        <a href="${frame.languageLinks['zh-CN']}" lang="zh-CN"${frame.locale === 'zh-CN' ? html` aria-current="true"` : ''}>简体中文</a>
        <a href="${frame.languageLinks.en}" lang="en"${frame.locale === 'en' ? html` aria-current="true"` : ''}>English</a>
      </nav>`
    : '';
  return html`<!doctype html>
<html lang="${frame.locale}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${frame.title} · ${t.siteName}</title>
<link rel="stylesheet" href="/assets/style.css">
${(frame.styles ?? []).map((href) => html`<link rel="stylesheet" href="${href}">
`)}</head>
<body>
<header class="site"><span class="brand">${t.siteName}</span>${switcher}</header>
<main class="card">
${frame.body}
</main>
<footer class="site">${t.footer}</footer>
${(frame.scripts ?? []).map((src) => html`<script nonce="${frame.nonce}" src="${src}"></script>`)}
</body>
</html>
`.toString();
}
