// The pages that finish oidc-provider's prompts: sign-in (login prompt), consent, abort. Routes stay thin:
// parse, check CSRF, call a service, render or hand the result back to the provider.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/services/accounts.ts';
import type { SignInLimiter } from '../src/services/sign-in-limiter.ts';
import type { ErrorCode } from '../src/lib/errors.ts';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import { renderLoginPage, renderConsentPage, renderForgotPasswordPage, renderMfaPage, renderTrustDevicePage, forgotPasswordPath } from './render.ts';
import { deviceCookie, type DeviceTrustService } from '../src/services/device-trust.ts';
import type { RecoveryCodeService } from '../src/services/recovery-codes.ts';
import type { TotpService } from '../src/services/totp.ts';
import type { KeyValueStore } from '../src/data/kv-store.ts';

export interface InteractionDependencies {
  provider: Provider;
  accounts: AccountService;
  limiter: SignInLimiter;
  totp: TotpService;
  deviceTrust: DeviceTrustService;
  recovery: RecoveryCodeService;
  store: KeyValueStore;
}

/** Wrong second-factor codes allowed per account in 15 minutes; after that every code is "wrong". */
const secondFactorAttempts = 10;

type Details = Awaited<ReturnType<Provider['interactionDetails']>>;

export function interactionRoutes({ provider, accounts, limiter, totp, deviceTrust, recovery, store }: InteractionDependencies): Router {
  const router = new Router({ prefix: '/interaction' });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  const details = async (ctx: Context): Promise<Details> => {
    try {
      const found = await provider.interactionDetails(ctx.req, ctx.res);
      if (found.uid !== ctx.params.uid) throw new AppError('interaction_expired');
      return found;
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError('interaction_expired');
    }
  };

  const clientName = async (clientId: unknown): Promise<string | undefined> => {
    if (typeof clientId !== 'string') return undefined;
    const client = await provider.Client.find(clientId);
    return (client?.clientName as string | undefined) ?? clientId;
  };

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
    });
  };

  const finish = async (ctx: Context, result: Parameters<Provider['interactionResult']>[2]) => {
    const redirectTo = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(redirectTo);
  };

  const enrollmentKey = (uid: string) => `mfa:enroll:${uid}`;

  const showMfa = async (ctx: Context, interaction: Details, error?: ErrorCode) => {
    const accountId = interaction.session?.accountId;
    const user = accountId ? await accounts.findById(accountId) : undefined;
    if (!user) throw new AppError('interaction_expired');
    let enrollment: { qrDataUrl: string; secret: string } | undefined;
    if (!(await totp.hasFactor(user.id))) {
      // Forced enrolment: the seed waits in the store, bound to this sign-in, until a code proves the app has it.
      const pending = await store.get(enrollmentKey(interaction.uid));
      if (pending) enrollment = JSON.parse(pending) as { qrDataUrl: string; secret: string };
      else {
        const started = await totp.startEnrollment(user.username);
        enrollment = { qrDataUrl: started.qrDataUrl, secret: started.secret };
        await store.set(enrollmentKey(interaction.uid), JSON.stringify(enrollment), 600);
      }
    }
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderMfaPage(ctx, {
      csrfToken: issueCsrfToken(ctx),
      action: `/interaction/${interaction.uid}/mfa`,
      clientName: await clientName(interaction.params.client_id),
      error,
      enrollment,
      uiLocales: interaction.params.ui_locales,
    });
  };

  router.get('/:uid', async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name === 'login') return showLogin(ctx, interaction, {});
    if (interaction.prompt.name === 'mfa') {
      const accountId = interaction.session?.accountId;
      // A browser this person chose to trust skips the second factor (the password was still checked).
      if (accountId && (await deviceTrust.isTrusted(accountId, ctx.cookies.get(deviceCookie, { signed: true })))) {
        ctx.state.logger.info({ event: 'mfa.trusted_device', accountId }, 'second factor skipped on a trusted browser');
        return finish(ctx, { login: { accountId, acr: acr.multiFactor, amr: ['pwd', 'mfa'], ts: Math.floor(Date.now() / 1000), remember: true } });
      }
      return showMfa(ctx, interaction);
    }
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
      ctx.status = 401;
      return showLogin(ctx, interaction, { loginId, error: 'invalid_credentials' });
    }
    const result = await accounts.authenticate(loginId, password);
    if (!result.ok) {
      if (result.reason === 'invalid_credentials' || result.reason === 'card_number_not_login_id') {
        await limiter.recordFailure(loginId, ip);
      }
      ctx.state.logger.info({ event: 'sign_in.failed', reason: result.reason }, 'sign-in failed');
      ctx.status = 401;
      return showLogin(ctx, interaction, { loginId, error: result.reason });
    }
    await limiter.recordSuccess(loginId);
    ctx.state.logger.info({ event: 'sign_in.succeeded', accountId: result.user.id }, 'signed in');
    await finish(ctx, {
      login: {
        accountId: result.user.id,
        acr: acr.password,
        amr: ['pwd'],
        ts: Math.floor(Date.now() / 1000),
        remember: true,
      },
    });
  });

  router.post('/:uid/mfa', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'mfa' || !accountId) throw new AppError('interaction_expired');
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      return showMfa(ctx, interaction, 'csrf_failed');
    }
    const code = typeof form.code === 'string' ? form.code.slice(0, 32) : '';
    const failures = Number((await store.get(`mfa:fail:${accountId}`)) ?? 0);
    let ok = false;
    let recoveryCodes: string[] | undefined;
    if (failures < secondFactorAttempts) {
      const pending = await store.get(enrollmentKey(interaction.uid));
      if (pending && !(await totp.hasFactor(accountId))) {
        const { secret } = JSON.parse(pending) as { secret: string };
        ok = await totp.confirmEnrollment(accountId, secret, code, 'Authenticator app');
        if (ok) {
          await store.delete([enrollmentKey(interaction.uid)]);
          recoveryCodes = await recovery.regenerate(accountId);
        }
      } else {
        ok = (await totp.verify(accountId, code)) || (await recovery.consume(accountId, code));
      }
    }
    if (!ok) {
      await store.increment(`mfa:fail:${accountId}`, 900);
      ctx.state.logger.info({ event: 'mfa.failed', accountId }, 'second factor failed');
      ctx.status = 401;
      return showMfa(ctx, interaction, 'invalid_code');
    }
    ctx.state.logger.info({ event: 'mfa.succeeded', accountId, factor: 'totp' }, 'second factor passed');
    // Offer "trust this browser" before finishing; the pass is remembered for this sign-in only.
    await store.set(`mfa:passed:${interaction.uid}`, accountId, 600);
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderTrustDevicePage(ctx, { csrfToken: issueCsrfToken(ctx), action: `/interaction/${interaction.uid}/trust`, days: deviceTrust.trustDays, recoveryCodes });
  });

  router.post('/:uid/trust', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const accountId = interaction.session?.accountId;
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    const passed = await store.take(`mfa:passed:${interaction.uid}`);
    if (!accountId || passed !== accountId) throw new AppError('interaction_expired');
    if (form.trust === 'yes') {
      const { cookie, expiresAt } = await deviceTrust.trust(accountId, ctx.get('user-agent') || 'browser');
      ctx.cookies.set(deviceCookie, cookie, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', expires: expiresAt });
      ctx.state.logger.info({ event: 'device.trusted', accountId }, 'browser trusted');
    }
    await finish(ctx, { login: { accountId, acr: acr.multiFactor, amr: ['pwd', 'otp'], ts: Math.floor(Date.now() / 1000), remember: true } });
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

/** Until self-service reset lands, "forgot password" says honestly where to go. */
export function forgotPasswordRoutes(): Router {
  const router = new Router();
  router.get(forgotPasswordPath, (ctx) => {
    ctx.type = 'html';
    ctx.body = renderForgotPasswordPage(ctx);
  });
  return router;
}
