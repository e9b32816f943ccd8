// Glue between a request and the pure views: language negotiation, CSP nonce, language-switch links. Also the
// pages oidc-provider renders itself (logout, logged-out, protocol errors).
import type { Context } from 'koa';
import type { KoaContextWithOIDC, ErrorOut } from 'oidc-provider';
import type { ProviderPages } from '../src/oidc/pages.ts';
import { negotiateLocale, toLocale, type Locale } from './i18n/index.ts';
import { renderLogin, type LoginView } from './views/login.ts';
import { renderConsent, type ConsentView } from './views/consent.ts';
import { renderMfa, renderTrustDevice, type MfaView } from './views/mfa.ts';
import { renderLogoutConfirm, renderLoggedOut } from './views/logout.ts';
import { renderError, type ErrorMessageKey } from './views/error.ts';
import type { PageFrame } from './views/layout.ts';

export const languageCookie = 'campus_lang';
export const forgotPasswordPath = '/forgot-password';

/** Remembers an explicit language choice (?lang=en) for the pages that follow. */
export function rememberLanguageChoice(ctx: Context): void {
  const chosen = typeof ctx.query.lang === 'string' ? toLocale(ctx.query.lang) : undefined;
  if (chosen) ctx.cookies.set(languageCookie, chosen, { httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', maxAge: 365 * 86_400_000 });
  if (chosen) ctx.state.chosenLocale = chosen;
}

export function localeOf(ctx: Context, uiLocales?: unknown): Locale {
  return negotiateLocale({
    uiLocales,
    preferred: (ctx.state.chosenLocale as string | undefined) ?? ctx.cookies.get(languageCookie),
    acceptLanguage: ctx.get('accept-language'),
    fallback: (ctx.state.defaultLocale as Locale | undefined) ?? 'zh-CN',
  });
}

export function pageFrame(ctx: Context, uiLocales?: unknown): PageFrame {
  const link = (lang: Locale) => {
    const params = new URLSearchParams(ctx.querystring);
    params.set('lang', lang);
    return `${ctx.path}?${params.toString()}`;
  };
  return {
    locale: localeOf(ctx, uiLocales),
    nonce: String(ctx.state.cspNonce ?? ''),
    languageLinks: ctx.method === 'GET' ? { 'zh-CN': link('zh-CN'), en: link('en') } : undefined,
  };
}

type Omitted = keyof PageFrame | 'forgotPasswordUrl';

export function renderLoginPage(ctx: Context, view: Omit<LoginView, Omitted> & { uiLocales?: unknown }): string {
  return renderLogin({ ...pageFrame(ctx, view.uiLocales), ...view, forgotPasswordUrl: forgotPasswordPath });
}

export function renderMfaPage(ctx: Context, view: Omit<MfaView, keyof PageFrame> & { uiLocales?: unknown }): string {
  return renderMfa({ ...pageFrame(ctx, view.uiLocales), ...view, languageLinks: undefined });
}

export function renderTrustDevicePage(ctx: Context, view: { csrfToken: string; action: string; days: number; recoveryCodes?: string[] }): string {
  return renderTrustDevice({ ...pageFrame(ctx), ...view, languageLinks: undefined });
}

export function renderConsentPage(ctx: Context, view: Omit<ConsentView, keyof PageFrame> & { uiLocales?: unknown }): string {
  return renderConsent({ ...pageFrame(ctx, view.uiLocales), ...view });
}

export function renderErrorPage(ctx: Context, code: ErrorMessageKey): string {
  return renderError({ ...pageFrame(ctx), languageLinks: undefined, code, requestId: ctx.state.requestId as string | undefined });
}

const clientNameOf = (ctx: KoaContextWithOIDC): string | undefined =>
  (ctx.oidc?.client?.clientName as string | undefined) ?? ctx.oidc?.client?.clientId;

export const providerPages: ProviderPages = {
  logoutConfirm(ctx, form) {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderLogoutConfirm({ ...pageFrame(ctx, ctx.oidc?.params?.ui_locales), providerForm: form, clientName: clientNameOf(ctx) });
  },
  loggedOut(ctx) {
    ctx.type = 'html';
    ctx.body = renderLoggedOut({ ...pageFrame(ctx, ctx.oidc?.params?.ui_locales), languageLinks: undefined });
  },
  error(ctx: KoaContextWithOIDC, out: ErrorOut, error: Error) {
    const requestId = ctx.state.requestId as string | undefined;
    const logger = ctx.state.logger as { info(obj: object, msg: string): void } | undefined;
    logger?.info({ error: out.error, description: out.error_description, name: error.name }, 'protocol error page');
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderError({ ...pageFrame(ctx), languageLinks: undefined, code: out.error === 'server_error' ? 'internal_error' : 'oidc_error', requestId });
  },
};
