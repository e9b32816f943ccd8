// Passkey ceremonies inside a sign-in: POST …/passkey/options hands the browser WebAuthn options (JSON) for
// this interaction; POST …/passkey/verify takes the browser's answer as an ordinary form post and ends like the
// page it came from: the login prompt finishes passwordless, the mfa prompt goes on to "trust this browser?".
import type Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { AccountService } from '../src/services/accounts.ts';
import type { PasskeyService, Ceremony } from '../src/services/passkeys.ts';
import type { TotpService } from '../src/services/totp.ts';
import type { RecoveryCodeService } from '../src/services/recovery-codes.ts';
import type { Metrics } from '../src/http/metrics.ts';
import type { ErrorCode } from '../src/lib/errors.ts';
import { AppError } from '../src/lib/errors.ts';
import { verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import { interactionHelpers, type Details } from './interaction-helpers.ts';
import type { PassedFactor } from './mfa-routes.ts';
import type { PasskeyOffer } from './views/passkey.ts';

export function passkeyOffer(uid: string, ceremony: Ceremony): PasskeyOffer {
  return { ceremony, optionsUrl: `/interaction/${uid}/passkey/options`, verifyUrl: `/interaction/${uid}/passkey/verify` };
}

export interface PasskeyRouteDependencies {
  provider: Provider;
  accounts: AccountService;
  passkeys: PasskeyService;
  totp: TotpService;
  recovery: RecoveryCodeService;
  metrics: Metrics;
}

/** The pages a ceremony returns to, owned by routes.ts and mfa-routes.ts. */
export interface PasskeyPages {
  showLogin(ctx: Context, interaction: Details, state: { error?: ErrorCode }): Promise<void>;
  showMfa(ctx: Context, interaction: Details, error?: ErrorCode): Promise<void>;
  passed(ctx: Context, interaction: Details, result: PassedFactor): Promise<void>;
  enrolling(uid: string): Promise<boolean>;
  endEnrollment(uid: string): Promise<void>;
}

// RFC 8176: a hardware-bound key, with user verification (a presence test at least) on the authenticator.
const passkeyAmr = ['hwk', 'user'];

export function registerPasskeyRoutes(deps: PasskeyRouteDependencies, pages: PasskeyPages, router: Router): void {
  const { accounts, passkeys, totp, recovery, metrics } = deps;
  const { parseForm, details, finish } = interactionHelpers(deps.provider);

  /**
   * Which ceremony this interaction may run, and for whom: on the sign-in page anyone's discoverable passkey;
   * on the second-factor page the signed-in person's own passkeys, or binding one during forced enrolment.
   */
  const allowed = async (interaction: Details, ceremony: Ceremony): Promise<{ userId?: string } | undefined> => {
    if (interaction.prompt.name === 'login') return ceremony === 'authenticate' ? {} : undefined;
    const accountId = interaction.session?.accountId;
    if (interaction.prompt.name !== 'mfa' || !accountId) return undefined;
    if (ceremony === 'authenticate') return (await passkeys.hasPasskey(accountId)) ? { userId: accountId } : undefined;
    const bindable = (await pages.enrolling(interaction.uid)) && !(await totp.hasFactor(accountId)) && !(await passkeys.hasPasskey(accountId));
    return bindable ? { userId: accountId } : undefined;
  };

  const ceremonyOf = (value: unknown): Ceremony | undefined =>
    value === 'register' || value === 'authenticate' ? value : undefined;

  router.post('/:uid/passkey/options', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    ctx.set('Cache-Control', 'no-store');
    const ceremony = ceremonyOf(form.ceremony);
    const target = ceremony && verifyCsrf(ctx, form._csrf) ? await allowed(interaction, ceremony) : undefined;
    if (!ceremony || !target) {
      ctx.status = 400;
      ctx.body = { error: 'bad_request' };
      return;
    }
    if (ceremony === 'register') {
      const user = await accounts.findById(target.userId as string);
      if (!user) throw new AppError('interaction_expired');
      ctx.body = await passkeys.registrationOptions(user, interaction.uid);
    } else {
      ctx.body = await passkeys.authenticationOptions(interaction.uid, target.userId);
    }
  });

  router.post('/:uid/passkey/verify', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const onLogin = interaction.prompt.name === 'login';
    const refuse = (code: ErrorCode) => {
      ctx.status = code === 'csrf_failed' ? 403 : 401;
      return onLogin ? pages.showLogin(ctx, interaction, { error: code }) : pages.showMfa(ctx, interaction, code);
    };
    if (!verifyCsrf(ctx, form._csrf)) return refuse('csrf_failed');
    const ceremony = ceremonyOf(form.ceremony);
    const target = ceremony ? await allowed(interaction, ceremony) : undefined;
    if (!ceremony || !target) throw new AppError('interaction_expired');
    let credential: unknown;
    try {
      credential = JSON.parse(typeof form.credential === 'string' ? form.credential : '');
    } catch {
      credential = undefined;
    }

    if (onLogin) {
      const proved = await passkeys.verifyAuthentication(credential, interaction.uid);
      const user = proved ? await accounts.findById(proved.userId) : undefined;
      if (!user) {
        ctx.state.logger.info({ event: 'sign_in.failed', reason: 'passkey_failed' }, 'passkey sign-in failed');
        metrics.signIns.inc({ result: 'passkey_failed' });
        return refuse('passkey_failed');
      }
      if (user.status !== 'active') {
        metrics.signIns.inc({ result: 'account_disabled' });
        return refuse('account_disabled');
      }
      ctx.state.logger.info({ event: 'sign_in.succeeded', accountId: user.id, method: 'passkey' }, 'signed in with a passkey');
      metrics.signIns.inc({ result: 'success' });
      // User verification on a hardware-bound key is two factors in one: the mfa prompt sees 'hwk' and passes.
      return finish(ctx, { login: { accountId: user.id, acr: acr.phishingResistant, amr: passkeyAmr, ts: Math.floor(Date.now() / 1000), remember: true } });
    }

    const accountId = target.userId as string;
    const amr = ['pwd', ...passkeyAmr];
    if (ceremony === 'register') {
      if (!(await passkeys.verifyRegistration(accountId, credential, interaction.uid))) {
        ctx.state.logger.info({ event: 'mfa.failed', accountId, factor: 'passkey' }, 'passkey registration failed');
        metrics.secondFactors.inc({ result: 'failure' });
        return refuse('passkey_failed');
      }
      await pages.endEnrollment(interaction.uid);
      const recoveryCodes = await recovery.regenerate(accountId);
      return pages.passed(ctx, interaction, { accountId, amr, factor: 'passkey', recoveryCodes });
    }
    if (!(await passkeys.verifyAuthentication(credential, interaction.uid, accountId))) {
      ctx.state.logger.info({ event: 'mfa.failed', accountId, factor: 'passkey' }, 'second factor failed');
      metrics.secondFactors.inc({ result: 'failure' });
      return refuse('passkey_failed');
    }
    return pages.passed(ctx, interaction, { accountId, amr, factor: 'passkey' });
  });
}
