// The pages that finish oidc-provider's prompts: sign-in (login prompt), consent, abort; the mfa prompt's
// pages are in mfa-routes.ts. Routes stay thin:
// parse, check CSRF, call a service, render or hand the result back to the provider.
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/services/accounts.ts';
import type { SignInLimiter } from '../src/services/sign-in-limiter.ts';
import type { ErrorCode } from '../src/lib/errors.ts';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import { renderLoginPage, renderConsentPage } from './render.ts';
import type { DeviceTrustService } from '../src/services/device-trust.ts';
import { interactionHelpers, type Details } from './interaction-helpers.ts';
import { secondFactorStep } from './mfa-routes.ts';
import { passkeyOffer, registerPasskeyRoutes } from './passkey-routes.ts';
import type { PasskeyService } from '../src/services/passkeys.ts';
import type { RecoveryCodeService } from '../src/services/recovery-codes.ts';
import type { TotpService } from '../src/services/totp.ts';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { Metrics } from '../src/http/metrics.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { VerificationCodes } from '../src/services/verification-codes.ts';
import type { ContactPoints } from '../src/services/contact-points.ts';
import type { KnownBrowsers } from '../src/services/known-browsers.ts';
import { contactPromptStep, type ContactPromptDependencies } from './contact-prompt-routes.ts';
import type { PasswordPolicy } from '../src/services/password-policy.ts';
import type { SecurityNotifications } from './account-routes.ts';
import { weakPasswordStep } from './weak-password-step.ts';
import type { WeakPasswords } from '../src/services/weak-passwords.ts';
import type { ConnectOffer } from './views/connect.ts';
import { wechatMfaStep, type WechatMfaDependencies } from './mfa-wechat-routes.ts';

export interface InteractionDependencies {
  provider: Provider;
  accounts: AccountService;
  limiter: SignInLimiter;
  totp: TotpService;
  deviceTrust: DeviceTrustService;
  recovery: RecoveryCodeService;
  store: KeyValueStore;
  metrics: Metrics;
  passkeys: PasskeyService;
  smsCodes: VerificationCodes | undefined;
  contacts: ContactPoints;
  knownBrowsers: KnownBrowsers;
  /** Present when REQUIRED_CONTACTS lists roles: the contacts prompt's pages. */
  contactPrompt?: Omit<ContactPromptDependencies, 'provider' | 'accounts'>;
  /** The audit trail of sign-ins (src/services/audit-log.ts). */
  audit?: Pick<AuditLog, 'record'>;
  /** Checked at each password sign-in; a password that breaks it is handled per PASSWORD_WEAK_EXISTING. */
  passwordPolicy: PasswordPolicy;
  /** Weak passwords of people with a second factor, changed only after that factor. */
  weakPasswords: WeakPasswords;
  hasSecondFactor(accountId: string): Promise<boolean>;
  /** Tells the person their password was changed (the forced change at sign-in). */
  securityNotifier?: SecurityNotifications;
  /** The WeChat/WeCom links for a sign-in (interactions/connect-routes.ts); undefined when none is configured. */
  connectOffer?: (interactionUid: string, userAgent?: string) => ConnectOffer | undefined;
  /** WECHAT_IN_APP=direct: where an in-WeChat/WeCom login page goes at once (once per sign-in), or undefined. */
  connectDirect?: (interactionUid: string, userAgent: string) => Promise<string | undefined>;
  /** WECHAT_MFA: a bound WeChat may pass the mfa prompt (interactions/mfa-wechat-routes.ts). */
  wechatMfa?: WechatMfaDependencies;
}

export function interactionRoutes({ provider, accounts, limiter, totp, deviceTrust, recovery, store, metrics, smsCodes, passkeys, contacts, knownBrowsers, contactPrompt, audit, passwordPolicy, weakPasswords, hasSecondFactor, securityNotifier, connectOffer, connectDirect, wechatMfa }: InteractionDependencies): Router {
  const router = new Router({ prefix: '/interaction' });
  const { parseForm, details, clientName, finish } = interactionHelpers(provider);
  const secondFactor = secondFactorStep({ provider, accounts, totp, deviceTrust, recovery, store, secondFactors: metrics.secondFactors, smsCodes, passkeys, contacts, knownBrowsers, audit, notifier: securityNotifier,
    weakPasswordHold: (ctx, interaction, login) => weakPassword.holdAfterSecondFactor(ctx, interaction, login),
    wechatOffer: async (interaction, accountId) => wechatStep?.offer(interaction, accountId) }, router);
  const wechatStep = wechatMfa && wechatMfaStep({ ...wechatMfa, provider, store, secondFactors: metrics.secondFactors, audit }, secondFactor, router);

  const showLogin = async (ctx: Context, interaction: Details, state: { loginId?: string; error?: ErrorCode }) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderLoginPage(ctx, {
      csrfToken: issueCsrfToken(ctx),
      action: `/interaction/${interaction.uid}/login`,
      clientName: await clientName(interaction.params.client_id),
      loginId: state.loginId ?? (typeof interaction.params.login_hint === 'string' ? interaction.params.login_hint : undefined),
      error: state.error,
      uiLocales: interaction.params.ui_locales,
      passkey: passkeyOffer(interaction.uid, 'authenticate'),
      connect: connectOffer?.(interaction.uid, ctx.get('user-agent')),
    });
  };
  registerPasskeyRoutes({ provider, accounts, passkeys, totp, recovery, metrics }, { ...secondFactor, showLogin }, router);
  const weakPassword = weakPasswordStep({ provider, accounts, store, policy: passwordPolicy, notifier: securityNotifier, audit, weakPasswords, hasSecondFactor }, router);
  const contactsStep = contactPrompt && contactPromptStep({ provider, accounts, ...contactPrompt }, router);

  router.get('/:uid', async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name === 'login') {
      const straight = await connectDirect?.(interaction.uid, ctx.get('user-agent'));
      if (straight) return ctx.redirect(straight);
      return showLogin(ctx, interaction, {});
    }
    if (interaction.prompt.name === 'mfa') return secondFactor.show(ctx, interaction);
    if (interaction.prompt.name === 'contacts' && contactsStep) return contactsStep.show(ctx, interaction);
    if (interaction.prompt.name === 'consent') {
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      const scopes = String(interaction.params.scope ?? 'openid').split(' ').filter(Boolean);
      ctx.body = renderConsentPage(ctx, {
        csrfToken: issueCsrfToken(ctx),
        action: `/interaction/${interaction.uid}/confirm`,
        cancelAction: `/interaction/${interaction.uid}/abort`,
        clientName: (await clientName(interaction.params.client_id)) ?? '',
        scopes,
        uiLocales: interaction.params.ui_locales,
      });
      return;
    }
    throw new AppError('bad_request', `unknown prompt ${interaction.prompt.name}`);
  });

  router.post('/:uid/login', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name !== 'login') throw new AppError('interaction_expired');
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const loginId = typeof form.login_id === 'string' ? form.login_id.trim().slice(0, 128) : '';
    const password = typeof form.password === 'string' ? form.password : '';
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      return showLogin(ctx, interaction, { loginId, error: 'csrf_failed' });
    }
    if (!loginId || !password) {
      ctx.status = 400;
      return showLogin(ctx, interaction, { loginId, error: 'invalid_credentials' });
    }
    const ip = ctx.ip;
    // A limited attempt is answered exactly like a wrong password, without spending a hash on it.
    if (await limiter.isBlocked(loginId, ip)) {
      ctx.state.logger.warn({ event: 'sign_in.limited' }, 'sign-in attempt over the limit');
      metrics.signIns.inc({ result: 'limited' });
      ctx.status = 401;
      return showLogin(ctx, interaction, { loginId, error: 'invalid_credentials' });
    }
    const result = await accounts.authenticate(loginId, password);
    if (!result.ok) {
      const { accountLocked } = result.reason === 'invalid_credentials' || result.reason === 'card_number_not_login_id'
        ? await limiter.recordFailure(loginId, ip)
        : { accountLocked: false };
      ctx.state.logger.info({ event: 'sign_in.failed', reason: result.reason }, 'sign-in failed');
      // Only failures naming a real account go to its history; unknown login IDs stay in the log line.
      const named = result.reason === 'card_number_not_login_id' ? undefined : await accounts.findByUsername(loginId);
      if (named) await audit?.record({ type: 'sign_in.failed', userId: named.id, ip, userAgent: ctx.get('user-agent'), detail: { reason: result.reason } });
      if (named && accountLocked) await audit?.record({ type: 'sign_in.locked', userId: named.id, ip, userAgent: ctx.get('user-agent') });
      metrics.signIns.inc({ result: result.reason });
      ctx.status = 401;
      return showLogin(ctx, interaction, { loginId, error: result.reason });
    }
    await limiter.recordSuccess(loginId);
    ctx.state.logger.info({ event: 'sign_in.succeeded', accountId: result.user.id }, 'signed in');
    await audit?.record({ type: 'sign_in.succeeded', userId: result.user.id, ip, userAgent: ctx.get('user-agent'), detail: { method: 'password' } });
    metrics.signIns.inc({ result: 'success' });
    const login = { accountId: result.user.id, acr: acr.password, amr: ['pwd'], ts: Math.floor(Date.now() / 1000), remember: true };
    if (await weakPassword.holdBack(ctx, interaction, result.user, password, login)) return;
    await finish(ctx, { login });
  });

  router.post('/:uid/confirm', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    if (interaction.prompt.name !== 'consent' || !interaction.session?.accountId) throw new AppError('interaction_expired');
    const { accountId } = interaction.session;
    const clientId = String(interaction.params.client_id);
    const grant = interaction.grantId
      ? await provider.Grant.find(interaction.grantId)
      : new provider.Grant({ accountId, clientId });
    if (!grant) throw new AppError('interaction_expired');
    const missing = interaction.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    const grantId = await grant.save();
    await finish(ctx, { consent: { grantId } });
  });

  router.post('/:uid/abort', parseForm, async (ctx) => {
    await details(ctx);
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    await finish(ctx, { error: 'access_denied', error_description: 'The user declined the request' });
  });

  return router;
}
