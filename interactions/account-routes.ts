// The account pages: /account (who is signed in) and /account/security (second factors, recovery codes, trusted
// browsers). They read the provider's SSO session on every request; a browser without one (or with one weaker
// than the person's factors) goes through the internal account client's sign-in and comes back. Renaming or
// removing a factor and new recovery codes need a fresh proof; every change is logged and notified.
import Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AccountService, UserRecord } from '../src/services/accounts.ts';
import type { AccountSecurityService } from '../src/services/account-security.ts';
import { checkFactorLabel, trustIdOf } from '../src/services/account-security.ts';
import type { FreshProof } from '../src/services/fresh-proof.ts';
import type { RecoveryCodeService } from '../src/services/recovery-codes.ts';
import type { TotpService } from '../src/services/totp.ts';
import { deviceCookie } from '../src/services/device-trust.ts';
import { AppError } from '../src/lib/errors.ts';
import { constantTimeEqual, randomToken } from '../src/lib/crypto.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { accountAuthorizationUrl } from '../src/oidc/account-client.ts';
import { sessionHasSecondFactor } from '../src/oidc/mfa-policy.ts';
import { readSsoSession, type SsoSession } from '../src/cas/sso-bridge.ts';
import type { Locale } from './i18n/index.ts';
import type { SecurityEvent } from '../src/connectors/email/templates.ts';
import type { PreviousContact } from '../src/services/security-notifier.ts';
import { localeOf, pageFrame } from './render.ts';
import {
  accountNotices,
  renderAccountHome,
  renderConfirm,
  renderNewRecoveryCodes,
  renderSecurity,
  type AccountError,
  type AccountNotice,
  type ConfirmedAction,
  type SecurityView,
} from './views/account.ts';

/** Tells the person about a change by their other channels (mail, SMS); src/services/security-notifier.ts. */
export interface SecurityNotifications {
  notify(userId: string, event: SecurityEvent, options: { locale: Locale; previous?: PreviousContact[] }): Promise<unknown>;
}

/** What further /account pages (e.g. account-contact-routes.ts) reuse: the signed-in person, CSRF, fresh proof. */
export interface AccountPageKit {
  requireSignedIn(ctx: Context, returnTo: string): Promise<SignedIn | undefined>;
  guardPost(ctx: Context, returnTo?: string): Promise<{ signed: SignedIn; form: Form } | undefined>;
  freshlyProven(ctx: Context, signed: SignedIn, form: Form, what: ConfirmedAction, fields?: Record<string, string>): Promise<boolean>;
}

/** Registers more pages on the /account router. */
export type AccountPageExtension = (router: Router, kit: AccountPageKit) => void;

export interface AccountPageDependencies {
  issuer: string;
  provider: Provider;
  store: KeyValueStore;
  accounts: AccountService;
  security: AccountSecurityService;
  freshProof: FreshProof;
  recovery: RecoveryCodeService;
  totp: TotpService;
  notifier: SecurityNotifications;
  /** User types whose every sign-in needs a second factor (MFA_REQUIRED_USER_TYPES). */
  mfaRequiredUserTypes: ReadonlySet<string>;
  extensions?: AccountPageExtension[];
  /** Whether /account links the development outbox for this person (interactions/outbox-routes.ts). */
  showsOutbox?: (user: UserRecord) => boolean;
}

export interface SignedIn {
  session: SsoSession;
  user: UserRecord;
}

const stateCookie = 'campus_account_state';
const securityPath = '/account/security';
export type Form = Record<string, unknown>;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function accountRoutes(deps: AccountPageDependencies): Router {
  const { provider, store, accounts, security, freshProof } = deps;
  const router = new Router({ prefix: '/account' });
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const readSignedIn = async (ctx: Context): Promise<SignedIn | undefined> => {
    const session = await readSsoSession(ctx, provider);
    const user = session && (await accounts.findById(session.accountId));
    return session && user?.status === 'active' ? { session, user } : undefined;
  };

  // A person with a second factor manages it only from a session that showed one (or a browser trusted after one).
  const strongEnough = async ({ session, user }: SignedIn) =>
    sessionHasSecondFactor(session.amr) || (await security.secondFactorCount(user.id)) === 0;

  const sendToSignIn = async (ctx: Context, returnTo: string, mfa: boolean) => {
    const state = randomToken(24);
    await store.set(`account:login:${state}`, JSON.stringify({ returnTo, mfa }), 600);
    ctx.cookies.set(stateCookie, state, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/account', maxAge: 600_000 });
    ctx.status = ctx.method === 'GET' ? 302 : 303;
    ctx.redirect(accountAuthorizationUrl(deps.issuer, state, { mfa, locale: localeOf(ctx) }));
  };

  /** The signed-in person, or undefined after sending the browser to sign in (then back to `returnTo`). */
  const requireSignedIn = async (ctx: Context, returnTo: string): Promise<SignedIn | undefined> => {
    const signed = await readSignedIn(ctx);
    if (signed && (await strongEnough(signed))) return signed;
    await sendToSignIn(ctx, returnTo, Boolean(signed));
    return undefined;
  };

  /** Every POST: the form's CSRF token first (a cross-site post learns nothing), then the session. */
  const guardPost = async (ctx: Context, returnTo = securityPath): Promise<{ signed: SignedIn; form: Form } | undefined> => {
    const form = (ctx.request.body ?? {}) as Form;
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.state.logger.warn({ event: 'account.csrf_failed', path: ctx.path }, 'account form without a valid CSRF token');
      throw new AppError('csrf_failed');
    }
    const signed = await requireSignedIn(ctx, returnTo);
    return signed && { signed, form };
  };

  const mfaRequired = (user: UserRecord) => deps.mfaRequiredUserTypes.has(user.type);

  const notify = async (ctx: Context, userId: string, event: SecurityEvent) => {
    try {
      await deps.notifier.notify(userId, event, { locale: localeOf(ctx) });
    } catch (error) {
      // The change is made; a failed notice is logged for the operators, not shown as a failed change.
      ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice: event, accountId: userId }, 'security notice not sent');
    }
  };

  const showSecurity = async (ctx: Context, { user }: SignedIn, extra: Pick<SecurityView, 'notice' | 'renameError'> = {}) => {
    ctx.type = 'html';
    ctx.body = renderSecurity({
      ...pageFrame(ctx),
      csrfToken: issueCsrfToken(ctx),
      overview: await security.overview(user.id),
      thisBrowserId: trustIdOf(ctx.cookies.get(deviceCookie, { signed: true })),
      mfaRequired: mfaRequired(user),
      ...extra,
    });
  };

  /**
   * True when this session proved itself in the last five minutes, or proves itself with this form. Otherwise
   * the "confirm it is you" page is shown, posting the same action again with the proof.
   */
  const freshlyProven = async (ctx: Context, { session, user }: SignedIn, form: Form, what: ConfirmedAction, fields: Record<string, string> = {}, warning = false) => {
    if (await freshProof.isFresh(user.id, session.uid)) return true;
    let error: AccountError | undefined;
    if (form.confirm === '1') {
      const code = text(form.code).slice(0, 32);
      const password = text(form.password).slice(0, 1024);
      const result = code || password
        ? await freshProof.prove({ accountId: user.id, username: user.username, sessionUid: session.uid, ip: ctx.ip, code, password })
        : 'missing';
      ctx.state.logger.info({ event: 'account.fresh_proof', accountId: user.id, result, method: code ? 'totp' : 'password' }, 'fresh proof attempt');
      if (result === 'ok') return true;
      error = result === 'limited' ? 'proofLimited' : result === 'missing' ? 'proofMissing' : 'proofInvalid';
      ctx.status = result === 'limited' ? 429 : result === 'missing' ? 400 : 401;
    }
    ctx.type = 'html';
    ctx.body = renderConfirm({
      ...pageFrame(ctx),
      languageLinks: undefined,
      csrfToken: issueCsrfToken(ctx),
      action: ctx.path,
      what,
      fields,
      offerCode: await deps.totp.hasFactor(user.id),
      warning,
      error,
    });
    return false;
  };

  const backToSecurity = (ctx: Context, notice: AccountNotice) => {
    ctx.status = 303;
    ctx.redirect(`${securityPath}?done=${notice}`);
  };

  const forgetThisBrowser = (ctx: Context) => ctx.cookies.set(deviceCookie, null, { signed: true, path: '/' });

  router.get('/callback', async (ctx) => {
    const state = text(ctx.query.state);
    const expected = ctx.cookies.get(stateCookie, { signed: true });
    ctx.cookies.set(stateCookie, null, { signed: true, path: '/account' });
    const pending = state && expected && constantTimeEqual(state, expected) ? await store.take(`account:login:${state}`) : undefined;
    if (!pending) throw new AppError('interaction_expired');
    const { returnTo, mfa } = JSON.parse(pending) as { returnTo: string; mfa: boolean };
    if (typeof ctx.query.error === 'string') throw new AppError('interaction_expired', `sign-in ended with ${ctx.query.error}`);
    // After a step-up round the session must be strong enough; otherwise say so rather than loop.
    if (mfa) {
      const signed = await readSignedIn(ctx);
      if (!signed || !(await strongEnough(signed))) throw new AppError('interaction_expired', 'step-up did not stick');
    }
    // The admin console (interactions/admin-routes.ts) signs in through these pages too.
    ctx.redirect(returnTo.startsWith('/account') || returnTo.startsWith('/admin') ? returnTo : '/account');
  });

  router.get('/', async (ctx) => {
    const signed = await requireSignedIn(ctx, '/account');
    if (!signed) return;
    ctx.type = 'html';
    ctx.body = renderAccountHome({ ...pageFrame(ctx), displayName: signed.user.displayName, loginId: signed.user.username, outbox: deps.showsOutbox?.(signed.user) });
  });

  router.get('/security', async (ctx) => {
    const signed = await requireSignedIn(ctx, securityPath);
    if (!signed) return;
    const done = text(ctx.query.done);
    await showSecurity(ctx, signed, { notice: accountNotices.find((notice) => notice === done) });
  });

  router.post('/security/factors/:id/rename', parseForm, async (ctx) => {
    const guarded = await guardPost(ctx);
    if (!guarded) return;
    const { signed, form } = guarded;
    const factor = await security.findFactor(signed.user.id, ctx.params.id ?? '');
    if (!factor) throw new AppError('not_found');
    const check = checkFactorLabel(form.label);
    if (!check.ok) {
      ctx.status = 400;
      const error: AccountError = check.problem === 'empty' ? 'labelEmpty' : 'labelTooLong';
      return showSecurity(ctx, signed, { renameError: { factorId: factor.id, error, value: text(form.label).slice(0, 200) } });
    }
    if (!(await freshlyProven(ctx, signed, form, { kind: 'rename', label: factor.label }, { label: check.label }))) return;
    if (!(await security.renameFactor(signed.user.id, factor.id, check.label))) throw new AppError('not_found');
    ctx.state.logger.info({ event: 'account.factor_renamed', accountId: signed.user.id, factorId: factor.id, kind: factor.kind }, 'factor renamed');
    await notify(ctx, signed.user.id, 'factor_renamed');
    backToSecurity(ctx, 'renamed');
  });

  router.post('/security/factors/:id/remove', parseForm, async (ctx) => {
    const guarded = await guardPost(ctx);
    if (!guarded) return;
    const { signed, form } = guarded;
    const { user } = signed;
    const factor = await security.findFactor(user.id, ctx.params.id ?? '');
    if (!factor) throw new AppError('not_found');
    const last = (await security.secondFactorCount(user.id)) === 1;
    if (!(await freshlyProven(ctx, signed, form, { kind: 'remove', label: factor.label }, {}, last && mfaRequired(user)))) return;
    const { removed, browsersRevoked, factorsLeft } = await security.removeFactor(user.id, factor.id);
    if (!removed) throw new AppError('not_found');
    forgetThisBrowser(ctx);
    ctx.state.logger.info({ event: 'account.factor_removed', accountId: user.id, factorId: factor.id, kind: factor.kind, browsersRevoked, factorsLeft }, 'factor removed');
    await notify(ctx, user.id, 'factor_removed');
    backToSecurity(ctx, factorsLeft === 0 && mfaRequired(user) ? 'removedLast' : 'removed');
  });

  router.post('/security/recovery-codes', parseForm, async (ctx) => {
    const guarded = await guardPost(ctx);
    if (!guarded) return;
    const { signed, form } = guarded;
    // Recovery codes stand in for a second factor: without one they would only be a second password.
    if ((await security.secondFactorCount(signed.user.id)) === 0) throw new AppError('bad_request', 'no second factor');
    if (!(await freshlyProven(ctx, signed, form, { kind: 'regenerate' }))) return;
    const codes = await deps.recovery.regenerate(signed.user.id);
    ctx.state.logger.info({ event: 'account.recovery_codes_regenerated', accountId: signed.user.id, count: codes.length }, 'recovery codes regenerated');
    await notify(ctx, signed.user.id, 'recovery_codes_regenerated');
    ctx.type = 'html';
    ctx.body = renderNewRecoveryCodes({ ...pageFrame(ctx), languageLinks: undefined, codes });
  });

  router.post('/security/browsers/revoke-all', parseForm, async (ctx) => {
    const guarded = await guardPost(ctx);
    if (!guarded) return;
    const { user } = guarded.signed;
    const count = await security.revokeAllBrowsers(user.id);
    forgetThisBrowser(ctx);
    ctx.state.logger.info({ event: 'account.trusted_devices_revoked', accountId: user.id, count }, 'all trusted browsers revoked');
    if (count > 0) await notify(ctx, user.id, 'trusted_devices_revoked');
    backToSecurity(ctx, 'browsersRevoked');
  });

  router.post('/security/browsers/:id/revoke', parseForm, async (ctx) => {
    const guarded = await guardPost(ctx);
    if (!guarded) return;
    const { user } = guarded.signed;
    const trustId = ctx.params.id ?? '';
    if (!(await security.revokeBrowser(user.id, trustId))) throw new AppError('not_found');
    if (trustIdOf(ctx.cookies.get(deviceCookie, { signed: true })) === trustId) forgetThisBrowser(ctx);
    ctx.state.logger.info({ event: 'account.trusted_devices_revoked', accountId: user.id, trustId, count: 1 }, 'trusted browser revoked');
    await notify(ctx, user.id, 'trusted_devices_revoked');
    backToSecurity(ctx, 'browserRevoked');
  });

  for (const extend of deps.extensions ?? []) extend(router, { requireSignedIn, guardPost, freshlyProven });
  return router;
}
