// The mfa prompt's pages: a trusted browser goes straight through; otherwise a code (TOTP or recovery code),
// or forced enrolment of an authenticator app; then recovery codes (first time) and "trust this browser?".
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/services/accounts.ts';
import type { TotpService } from '../src/services/totp.ts';
import type { RecoveryCodeService } from '../src/services/recovery-codes.ts';
import { deviceCookie, type DeviceTrustService } from '../src/services/device-trust.ts';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { Counter } from 'prom-client';
import type { ErrorCode } from '../src/lib/errors.ts';
import { AppError } from '../src/lib/errors.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import { interactionHelpers, type Details } from './interaction-helpers.ts';
import { renderMfaPage, renderTrustDevicePage } from './render.ts';

/** Wrong second-factor codes allowed per account in 15 minutes; after that every code is "wrong". */
const secondFactorAttempts = 10;

export interface PassedFactor {
  accountId: string;
  /** RFC 8176 methods of the whole sign-in, e.g. ['pwd', 'otp']. */
  amr: string[];
  /** For the log and metrics: totp, recovery, sms, passkey. */
  factor: string;
  /** Present when a factor was just bound: shown once. */
  recoveryCodes?: string[];
}

export interface SecondFactorDependencies {
  provider: Provider;
  accounts: AccountService;
  totp: TotpService;
  deviceTrust: DeviceTrustService;
  recovery: RecoveryCodeService;
  store: KeyValueStore;
  secondFactors: Counter<'result'>;
}

/** Registers the POST routes on `router` and returns the GET handler for the mfa prompt. */
export function secondFactorStep(deps: SecondFactorDependencies, router: Router) {
  const { accounts, totp, deviceTrust, recovery, store } = deps;
  const { parseForm, details, clientName, finish } = interactionHelpers(deps.provider);
  const now = () => Math.floor(Date.now() / 1000);

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

  const show = async (ctx: Context, interaction: Details) => {
    const accountId = interaction.session?.accountId;
    // A browser this person chose to trust skips the second factor (the password was still checked).
    if (accountId && (await deviceTrust.isTrusted(accountId, ctx.cookies.get(deviceCookie, { signed: true })))) {
      ctx.state.logger.info({ event: 'mfa.trusted_device', accountId }, 'second factor skipped on a trusted browser');
      return finish(ctx, { login: { accountId, acr: acr.multiFactor, amr: ['pwd', 'mfa'], ts: now(), remember: true } });
    }
    return showMfa(ctx, interaction);
  };

  /**
   * Every second factor ends here: the pass is remembered for this sign-in only, and the person is asked
   * whether to trust this browser (after first seeing their recovery codes, when a factor was just bound).
   */
  const passed = async (ctx: Context, interaction: Details, result: PassedFactor) => {
    ctx.state.logger.info({ event: 'mfa.succeeded', accountId: result.accountId, factor: result.factor }, 'second factor passed');
    deps.secondFactors.inc({ result: result.recoveryCodes ? 'enrolled' : 'success' });
    await store.set(`mfa:passed:${interaction.uid}`, JSON.stringify({ accountId: result.accountId, amr: result.amr }), 600);
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderTrustDevicePage(ctx, {
      csrfToken: issueCsrfToken(ctx),
      action: `/interaction/${interaction.uid}/trust`,
      days: deviceTrust.trustDays,
      recoveryCodes: result.recoveryCodes,
    });
  };

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
      deps.secondFactors.inc({ result: 'failure' });
      ctx.status = 401;
      return showMfa(ctx, interaction, 'invalid_code');
    }
    await passed(ctx, interaction, { accountId, amr: ['pwd', 'otp'], factor: 'totp', recoveryCodes });
  });

  router.post('/:uid/trust', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const accountId = interaction.session?.accountId;
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    const pass = JSON.parse((await store.take(`mfa:passed:${interaction.uid}`)) ?? 'null') as { accountId: string; amr: string[] } | null;
    if (!accountId || pass?.accountId !== accountId) throw new AppError('interaction_expired');
    if (form.trust === 'yes') {
      const { cookie, expiresAt } = await deviceTrust.trust(accountId, ctx.get('user-agent') || 'browser');
      ctx.cookies.set(deviceCookie, cookie, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', expires: expiresAt });
      ctx.state.logger.info({ event: 'device.trusted', accountId }, 'browser trusted');
    }
    const phishingResistant = pass.amr.includes('hwk');
    await finish(ctx, { login: { accountId, acr: phishingResistant ? acr.phishingResistant : acr.multiFactor, amr: pass.amr, ts: now(), remember: true } });
  });

  return { show, passed, showMfa };
}
