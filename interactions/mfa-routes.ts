// The mfa prompt's pages: a trusted browser goes straight through; otherwise a code (TOTP or recovery code),
// or forced enrolment of an authenticator app; then recovery codes (first time) and "trust this browser?".
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import { verifiedPhone, type AccountService } from '../src/services/accounts.ts';
import type { VerificationCodes } from '../src/services/verification-codes.ts';
import type { ContactPoints } from '../src/services/contact-points.ts';
import { browserCookie, knownBrowserDays, type KnownBrowsers } from '../src/services/known-browsers.ts';
import { checkPhone } from '../src/services/user-input.ts';
import type { TotpService } from '../src/services/totp.ts';
import type { PasskeyService } from '../src/services/passkeys.ts';
import type { RecoveryCodeService } from '../src/services/recovery-codes.ts';
import { deviceCookie, type DeviceTrustService } from '../src/services/device-trust.ts';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { Counter } from 'prom-client';
import type { ErrorCode } from '../src/lib/errors.ts';
import { AppError, errorCatalogue } from '../src/lib/errors.ts';
import { maskPhone } from '../src/connectors/sms/sms-sender.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import { interactionHelpers, type Details, type InteractionResult } from './interaction-helpers.ts';
import { localeOf, renderMfaPage, renderTrustDevicePage } from './render.ts';
import type { SecurityNotifications } from './account-routes.ts';
import { passkeyOffer } from './passkey-routes.ts';

/** Wrong second-factor codes allowed per account in 15 minutes, and per sign-in; past either every code is "wrong". */
const secondFactorAttempts = 10;
const attemptsPerSignIn = 5;

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
  passkeys: PasskeyService;
  store: KeyValueStore;
  secondFactors: Counter<'result'>;
  /** Texted codes; undefined when no SMS gateway is configured (production without SMS_PROVIDER). */
  smsCodes: VerificationCodes | undefined;
  contacts: ContactPoints;
  knownBrowsers: KnownBrowsers;
  audit?: Pick<AuditLog, 'record'>;
  notifier?: SecurityNotifications;
  /** A weak password waiting for this moment (after the second factor) is changed before the sign-in finishes. */
  weakPasswordHold?: (ctx: Context, interaction: Details, login: LoginResult) => Promise<boolean>;
  /** Where "Confirm with WeChat" starts for this sign-in, when WECHAT_MFA allows it (interactions/mfa-wechat-routes.ts). */
  wechatOffer?: (interaction: Details, accountId: string) => Promise<{ href: string } | undefined>;
}

type LoginResult = NonNullable<InteractionResult['login']>;

/** Registers the POST routes on `router` and returns the GET handler for the mfa prompt. */
export function secondFactorStep(deps: SecondFactorDependencies, router: Router) {
  const { accounts, totp, deviceTrust, recovery, store, contacts } = deps;
  const { parseForm, details, clientName, finish } = interactionHelpers(deps.provider);
  const now = () => Math.floor(Date.now() / 1000);

  const enrollmentKey = (uid: string) => `mfa:enroll:${uid}`;

  const showMfa = async (ctx: Context, interaction: Details, error?: ErrorCode, phoneInput?: string) => {
    const accountId = interaction.session?.accountId;
    const user = accountId ? await accounts.findById(accountId) : undefined;
    if (!user) throw new AppError('interaction_expired');
    let enrollment: { qrDataUrl: string; secret: string } | undefined;
    const hasTotp = await totp.hasFactor(user.id);
    const phone = deps.smsCodes ? verifiedPhone(user) : undefined;
    const hasPasskey = await deps.passkeys.hasPasskey(user.id);
    if (!hasTotp && !phone && !hasPasskey) {
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
      hasTotp,
      passkey: hasPasskey || enrollment ? passkeyOffer(interaction.uid, hasPasskey ? 'authenticate' : 'register') : undefined,
      sms: phone
        ? { phone: maskPhone(phone), sent: Boolean(await deps.smsCodes?.pending('mfa', interaction.uid)), action: `/interaction/${interaction.uid}/mfa/sms` }
        : undefined,
      bindPhone: enrollment && deps.smsCodes
        ? { action: `/interaction/${interaction.uid}/mfa/phone`, sentTo: await deps.smsCodes.pending('bind-phone', interaction.uid), phone: phoneInput }
        : undefined,
      wechat: await deps.wechatOffer?.(interaction, user.id),
      uiLocales: interaction.params.ui_locales,
    });
  };

  /**
   * The start of every POST on the mfa prompt: this interaction at its mfa prompt, and a valid CSRF token (else
   * the page again with the error, keeping `keep` typed input). Undefined when the page was already answered.
   */
  const openMfaPost = async (ctx: Context, keep?: (form: Record<string, unknown>) => string) => {
    const interaction = await details(ctx);
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'mfa' || !accountId) throw new AppError('interaction_expired');
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      await showMfa(ctx, interaction, 'csrf_failed', keep?.(form));
      return undefined;
    }
    return { interaction, accountId, form };
  };

  const smsErrors = { cooldown: 'sms_cooldown', budget: 'sms_budget', unavailable: 'sms_unavailable', invalid_number: 'invalid_phone' } as const;

  // Forced enrolment by phone: a code texted to the number the person types proves it, then binds it.
  router.post('/:uid/mfa/phone', parseForm, async (ctx) => {
    const typedPhone = (form: Record<string, unknown>) => (typeof form.phone === 'string' ? form.phone.slice(0, 32) : '');
    const opened = await openMfaPost(ctx, typedPhone);
    if (!opened || !deps.smsCodes) return;
    const { interaction, accountId, form } = opened;
    const typed = typedPhone(form);
    const user = await accounts.findById(accountId);
    // Only inside forced enrolment (decided by showMfa for someone with no factor at all).
    if (!user || !(await enrolling(interaction.uid)) || (await totp.hasFactor(accountId)) || verifiedPhone(user) || (await deps.passkeys.hasPasskey(accountId))) {
      throw new AppError('interaction_expired');
    }
    const checked = checkPhone(typed);
    if ('problem' in checked) {
      ctx.status = 400;
      return showMfa(ctx, interaction, 'invalid_phone', typed);
    }
    if (await contacts.phoneTakenByOther(accountId, checked.value)) {
      ctx.status = 409;
      return showMfa(ctx, interaction, 'phone_taken', typed);
    }
    const sent = await deps.smsCodes.send({ purpose: 'bind-phone', binding: interaction.uid, accountId, phone: checked.value, ip: ctx.ip });
    if (!sent.ok) {
      ctx.state.logger.warn({ event: 'mfa.sms_not_sent', accountId, reason: sent.reason }, 'SMS code for phone binding not sent');
      ctx.status = errorCatalogue[smsErrors[sent.reason]].status;
      return showMfa(ctx, interaction, smsErrors[sent.reason], typed);
    }
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}`);
  });

  router.post('/:uid/mfa/sms', parseForm, async (ctx) => {
    const opened = await openMfaPost(ctx);
    if (!opened) return;
    const { interaction, accountId, form } = opened;
    const user = await accounts.findById(accountId);
    const phone = user ? verifiedPhone(user) : undefined;
    if (!deps.smsCodes || !phone) throw new AppError('bad_request', 'no phone for SMS codes');
    const sent = await deps.smsCodes.send({ purpose: 'mfa', binding: interaction.uid, accountId, phone, ip: ctx.ip });
    if (!sent.ok) {
      ctx.state.logger.warn({ event: 'mfa.sms_not_sent', accountId, reason: sent.reason }, 'SMS code not sent');
      ctx.status = errorCatalogue[smsErrors[sent.reason]].status;
      return showMfa(ctx, interaction, smsErrors[sent.reason]);
    }
    ctx.state.logger.info({ event: 'mfa.sms_sent', accountId, to: sent.masked }, 'SMS code sent');
    ctx.status = 303;
    ctx.redirect(`/interaction/${interaction.uid}`);
  });

  const show = async (ctx: Context, interaction: Details) => {
    const accountId = interaction.session?.accountId;
    // A browser this person chose to trust skips the second factor (the password was still checked).
    if (accountId && (await deviceTrust.isTrusted(accountId, ctx.cookies.get(deviceCookie, { signed: true })))) {
      ctx.state.logger.info({ event: 'mfa.trusted_device', accountId }, 'second factor skipped on a trusted browser');
      await rememberBrowser(ctx, accountId);
      const login = { accountId, acr: acr.multiFactor, amr: ['pwd', 'mfa'], ts: now(), remember: true };
      if (await deps.weakPasswordHold?.(ctx, interaction, login)) return;
      return finish(ctx, { login });
    }
    return showMfa(ctx, interaction);
  };

  /** This browser has passed a second factor for this person (the unknown-browser risk rule asks no more). */
  const rememberBrowser = async (ctx: Context, accountId: string) => {
    let browserId = ctx.cookies.get(browserCookie, { signed: true });
    if (!browserId) {
      browserId = deps.knownBrowsers.newBrowserId();
      ctx.cookies.set(browserCookie, browserId, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/', maxAge: knownBrowserDays * 86_400_000 });
    }
    await deps.knownBrowsers.remember(accountId, browserId);
  };

  /**
   * Every second factor ends here: the pass is remembered for this sign-in only, and the person is asked
   * whether to trust this browser (after first seeing their recovery codes, when a factor was just bound).
   */
  const passed = async (ctx: Context, interaction: Details, result: PassedFactor) => {
    ctx.state.logger.info({ event: 'mfa.succeeded', accountId: result.accountId, factor: result.factor }, 'second factor passed');
    await deps.audit?.record({ type: 'mfa.succeeded', userId: result.accountId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { factor: result.factor } });
    deps.secondFactors.inc({ result: result.recoveryCodes ? 'enrolled' : 'success' });
    // Recovery codes come with a factor just bound: the person hears of it on every channel they have.
    if (result.recoveryCodes) await deps.notifier?.notify(result.accountId, 'factor_added', { locale: localeOf(ctx) });
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
    const opened = await openMfaPost(ctx);
    if (!opened) return;
    const { interaction, accountId, form } = opened;
    const code = typeof form.code === 'string' ? form.code.slice(0, 32) : '';
    const failureKeys = [`mfa:fail:${accountId}`, `mfa:fail:signin:${interaction.uid}`];
    // Every attempt is counted before it is checked, so parallel guesses cannot all slip under the limits.
    const [accountTries, signInTries] = await Promise.all(failureKeys.map((key) => store.increment(key, 900)));
    let ok = false;
    let recoveryCodes: string[] | undefined;
    let factor: { name: string; amr: string } = { name: 'totp', amr: 'otp' };
    if (accountTries! <= secondFactorAttempts && signInTries! <= attemptsPerSignIn) {
      const pending = await store.get(enrollmentKey(interaction.uid));
      if (pending && !(await totp.hasFactor(accountId))) {
        const { secret } = JSON.parse(pending) as { secret: string };
        ok = await totp.confirmEnrollment(accountId, secret, code, 'Authenticator app');
        const proved = !ok && deps.smsCodes ? await deps.smsCodes.verify('bind-phone', interaction.uid, code) : undefined;
        if (proved) {
          const bound = await contacts.bindSecurityPhone(accountId, proved.phone);
          if (!bound.ok) {
            ctx.status = 409;
            return showMfa(ctx, interaction, 'phone_taken');
          }
          ok = true;
          factor = { name: 'sms', amr: 'sms' };
        }
        if (ok) {
          await store.delete([enrollmentKey(interaction.uid)]);
          recoveryCodes = await recovery.regenerate(accountId);
        }
      } else {
        ok = await totp.verify(accountId, code);
        if (!ok && deps.smsCodes && (await deps.smsCodes.verify('mfa', interaction.uid, code))) {
          ok = true;
          factor = { name: 'sms', amr: 'sms' };
        }
        if (!ok && (await recovery.consume(accountId, code))) {
          ok = true;
          factor = { name: 'recovery', amr: 'otp' };
        }
      }
    }
    if (!ok) {
      ctx.state.logger.info({ event: 'mfa.failed', accountId }, 'second factor failed');
      await deps.audit?.record({ type: 'mfa.failed', userId: accountId, ip: ctx.ip, userAgent: ctx.get('user-agent') });
      deps.secondFactors.inc({ result: 'failure' });
      ctx.status = 401;
      return showMfa(ctx, interaction, 'invalid_code');
    }
    // A success clears the account's count of failures (a new code sent does not).
    await store.delete([failureKeys[0]!]);
    await passed(ctx, interaction, { accountId, amr: ['pwd', factor.amr], factor: factor.name, recoveryCodes });
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
    await rememberBrowser(ctx, accountId);
    const phishingResistant = pass.amr.includes('hwk');
    const login = { accountId, acr: phishingResistant ? acr.phishingResistant : acr.multiFactor, amr: pass.amr, ts: now(), remember: true };
    if (await deps.weakPasswordHold?.(ctx, interaction, login)) return;
    await finish(ctx, { login });
  });

  /** showMfa decided this sign-in must bind a second factor and none is bound yet: a passkey may be bound instead. */
  const enrolling = async (uid: string) => Boolean(await store.get(enrollmentKey(uid)));
  const endEnrollment = (uid: string) => store.delete([enrollmentKey(uid)]);

  return { show, passed, showMfa, enrolling, endEnrollment };
}
