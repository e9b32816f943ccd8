// What happens once WeChat/WeCom has told us who scanned, whichever way in it was: a bound identity finishes the
// provider's login prompt (amr ['ext']; the mfa prompt still follows where policy wants one), an unbound one goes
// to /connect/bind, where the person proves the campus account (password, or a code to its bound phone) and the
// identity is linked. The pending binding is bound to this browser by a signed cookie and to this sign-in.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import { verifiedPhone, type AccountService, type UserRecord } from '../src/services/accounts.ts';
import type { SignInLimiter } from '../src/services/sign-in-limiter.ts';
import type { VerificationCodes } from '../src/services/verification-codes.ts';
import type { ExternalIdentities } from '../src/services/external-identities.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { ExternalSubject, WechatFailure } from '../src/connectors/wechat/api-client.ts';
import { AppError, type ErrorCode } from '../src/lib/errors.ts';
import { constantTimeEqual, randomToken } from '../src/lib/crypto.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import type { SecurityNotifications } from './account-routes.ts';
import { localeOf, pageFrame } from './render.ts';
import { renderBind } from './views/connect.ts';

/** RFC 8176 has no value for "a bound WeChat/WeCom account"; `ext` says an external identity provider vouched. */
export const externalAmr = 'ext';
const bindCookie = 'campus_connect_bind';
const bindSeconds = 600;
const smsPurpose = 'connect-bind';

/** The page each vendor failure shows. */
export const failurePages: Record<WechatFailure, ErrorCode> = {
  invalid_code: 'connect_failed',
  bad_credentials: 'connect_unavailable',
  rate_limited: 'connect_rate_limited',
  unavailable: 'connect_unavailable',
  not_member: 'connect_not_member',
  snapshot_user: 'connect_snapshot_user',
};

export interface ConnectSignInDependencies {
  provider: Provider;
  store: KeyValueStore;
  accounts: AccountService;
  limiter: SignInLimiter;
  smsCodes: VerificationCodes | undefined;
  identities: ExternalIdentities;
  notifier: SecurityNotifications;
  audit?: Pick<AuditLog, 'record'>;
}

interface PendingBinding {
  uid: string;
  identity: ExternalSubject;
  /** The account a binding code was texted to (never shown: the page does not say whether the ID exists). */
  codeFor?: string;
}

type Form = Record<string, unknown>;
const text = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : '');

export function connectSignIn(deps: ConnectSignInDependencies) {
  const { provider, store, accounts, identities } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const pendingKey = (token: string) => `connect:bind:${token}`;

  /** The sign-in `uid` while it still waits at its login prompt. */
  const loginInteraction = async (uid: string) => {
    const interaction = /^[A-Za-z0-9_-]{1,64}$/.test(uid) ? await provider.Interaction.find(uid) : undefined;
    return interaction && interaction.prompt.name === 'login' ? interaction : undefined;
  };

  const finishLogin = async (ctx: Context, uid: string, user: UserRecord, amr: string[], method: string) => {
    const interaction = await loginInteraction(uid);
    if (!interaction) throw new AppError('interaction_expired');
    if (user.status !== 'active') throw new AppError(user.status === 'pending' ? 'account_pending' : 'account_disabled');
    interaction.result = { login: { accountId: user.id, acr: acr.password, amr, ts: Math.floor(Date.now() / 1000), remember: true } };
    await interaction.save(interaction.exp - Math.floor(Date.now() / 1000));
    ctx.state.logger.info({ event: 'sign_in.succeeded', accountId: user.id, method }, 'signed in');
    await deps.audit?.record({ type: 'sign_in.succeeded', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { method } });
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect(interaction.returnTo);
  };

  /** Signs in with a bound identity, or sends the browser to bind it. */
  const arrive = async (ctx: Context, uid: string, identity: ExternalSubject) => {
    if (!(await loginInteraction(uid))) throw new AppError('interaction_expired');
    const userId = await identities.signIn(identity);
    const user = userId ? await accounts.findById(userId) : undefined;
    if (user) return finishLogin(ctx, uid, user, [externalAmr], identity.provider);
    const token = randomToken(24);
    await store.set(pendingKey(token), JSON.stringify({ uid, identity } satisfies PendingBinding), bindSeconds);
    ctx.cookies.set(bindCookie, token, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/connect', maxAge: bindSeconds * 1000 });
    ctx.state.logger.info({ event: 'connect.unbound', provider: identity.provider }, 'unbound identity sent to binding');
    ctx.status = 303;
    ctx.set('Cache-Control', 'no-store');
    ctx.redirect('/connect/bind');
  };

  const openPending = async (ctx: Context): Promise<{ token: string; pending: PendingBinding }> => {
    const token = ctx.cookies.get(bindCookie, { signed: true });
    const raw = token ? await store.get(pendingKey(token)) : undefined;
    if (!token || !raw) throw new AppError('connect_state_invalid');
    return { token, pending: JSON.parse(raw) as PendingBinding };
  };

  const showBind = (ctx: Context, pending: PendingBinding, state: { loginId?: string; error?: ErrorCode; errorIn?: 'password' | 'sms'; sent?: boolean } = {}) => {
    ctx.type = 'html';
    ctx.set('Cache-Control', 'no-store');
    ctx.body = renderBind({
      ...pageFrame(ctx),
      csrfToken: issueCsrfToken(ctx),
      provider: pending.identity.provider,
      backUrl: `/interaction/${pending.uid}`,
      sms: deps.smsCodes ? { sent: Boolean(state.sent) } : undefined,
      loginId: state.loginId,
      error: state.error,
      errorIn: state.errorIn,
    });
  };

  /** CSRF first, then the pending binding of this browser. */
  const openBindPost = async (ctx: Context) => {
    const form = (ctx.request.body ?? {}) as Form;
    const opened = await openPending(ctx);
    if (!verifyCsrf(ctx, form._csrf)) {
      ctx.status = 403;
      showBind(ctx, opened.pending, { loginId: text(form.login_id, 128).trim(), error: 'csrf_failed' });
      return undefined;
    }
    return { ...opened, form };
  };

  /** Links, tells the person, and finishes the sign-in; the pending binding is used up first (single use). */
  const linkAndFinish = async (ctx: Context, token: string, pending: PendingBinding, user: UserRecord, amr: string[], proof: string) => {
    if (!(await store.take(pendingKey(token)))) throw new AppError('connect_state_invalid');
    ctx.cookies.set(bindCookie, null, { signed: true, path: '/connect' });
    const linked = await identities.link(pending.identity, user.id);
    if (linked === 'taken') throw new AppError('connect_already_bound');
    ctx.state.logger.info({ event: 'connect.linked', accountId: user.id, provider: pending.identity.provider, proof }, 'external identity linked');
    await deps.audit?.record({ type: 'factor.external_linked', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { provider: pending.identity.provider, proof } });
    if (linked === 'linked') {
      try {
        await deps.notifier.notify(user.id, 'external_identity_linked', { locale: localeOf(ctx) });
      } catch (error) {
        ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice: 'external_identity_linked', accountId: user.id }, 'security notice not sent');
      }
    }
    await finishLogin(ctx, pending.uid, user, amr, `${pending.identity.provider}+${proof}`);
  };

  const register = (router: Router) => {
    router.get('/connect/bind', async (ctx) => {
      const { pending } = await openPending(ctx);
      showBind(ctx, pending);
    });

    router.post('/connect/bind/password', parseForm, async (ctx) => {
      const opened = await openBindPost(ctx);
      if (!opened) return;
      const { token, pending, form } = opened;
      const loginId = text(form.login_id, 128).trim();
      const password = text(form.password, 1024);
      const refuse = (error: ErrorCode, status: number) => {
        ctx.status = status;
        showBind(ctx, pending, { loginId, error, errorIn: 'password' });
      };
      if (!loginId || !password) return refuse('invalid_credentials', 400);
      if (await deps.limiter.isBlocked(loginId, ctx.ip)) return refuse('invalid_credentials', 401);
      const result = await accounts.authenticate(loginId, password);
      if (!result.ok) {
        if (result.reason === 'invalid_credentials' || result.reason === 'card_number_not_login_id') await deps.limiter.recordFailure(loginId, ctx.ip);
        ctx.state.logger.info({ event: 'connect.bind_failed', reason: result.reason }, 'binding proof failed');
        return refuse(result.reason, 401);
      }
      await deps.limiter.recordSuccess(loginId);
      await linkAndFinish(ctx, token, pending, result.user, [externalAmr, 'pwd'], 'password');
    });

    router.post('/connect/bind/sms/send', parseForm, async (ctx) => {
      const opened = await openBindPost(ctx);
      if (!opened || !deps.smsCodes) return;
      const { token, pending, form } = opened;
      const loginId = text(form.login_id, 128).trim();
      if (!loginId) {
        ctx.status = 400;
        return showBind(ctx, pending, { error: 'login_id_required', errorIn: 'sms' });
      }
      const user = await accounts.findByUsername(loginId);
      const phone = user?.status === 'active' ? verifiedPhone(user) : undefined;
      if (user && phone) {
        const sent = await deps.smsCodes.send({ purpose: smsPurpose, binding: token, accountId: user.id, phone, ip: ctx.ip });
        if (!sent.ok) {
          ctx.status = sent.reason === 'cooldown' || sent.reason === 'budget' ? 429 : 503;
          const error = ({ cooldown: 'sms_cooldown', budget: 'sms_budget', invalid_number: 'invalid_phone', unavailable: 'sms_unavailable' } as const)[sent.reason];
          return showBind(ctx, pending, { loginId, error, errorIn: 'sms' });
        }
        await store.set(pendingKey(token), JSON.stringify({ ...pending, codeFor: user.id } satisfies PendingBinding), bindSeconds);
      }
      // The same answer whether or not the ID exists and has a phone: the page does not confirm accounts.
      showBind(ctx, pending, { loginId, sent: true });
    });

    router.post('/connect/bind/sms', parseForm, async (ctx) => {
      const opened = await openBindPost(ctx);
      if (!opened || !deps.smsCodes) return;
      const { token, pending, form } = opened;
      const loginId = text(form.login_id, 128).trim();
      const code = text(form.code, 32).trim();
      const proved = pending.codeFor && code ? await deps.smsCodes.verify(smsPurpose, token, code) : undefined;
      const user = proved && pending.codeFor ? await accounts.findById(pending.codeFor) : undefined;
      if (!user || !proved || verifiedPhone(user) !== proved.phone || !constantTimeEqual(user.username, loginId)) {
        ctx.status = 401;
        ctx.state.logger.info({ event: 'connect.bind_failed', reason: 'invalid_code' }, 'binding proof failed');
        return showBind(ctx, pending, { loginId, error: 'invalid_code', errorIn: 'sms', sent: true });
      }
      // A texted code proves the account, not a second factor on top of the scan: the mfa prompt still asks.
      await linkAndFinish(ctx, token, pending, user, [externalAmr], 'sms');
    });
  };

  return { arrive, loginInteraction, register };
}

export type ConnectSignIn = ReturnType<typeof connectSignIn>;
