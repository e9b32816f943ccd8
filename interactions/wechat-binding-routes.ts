// Binding WeChat from /account/connections (an extension of the /account router). "Bind WeChat" (after a fresh
// proof) sends the browser to WeChat's website QR with a single-use CSPRNG state bound to this account, this SSO
// session and, by a signed cookie, this browser; the callback links the scanned WeChat to this account. A WeChat
// already bound to another campus ID is not linked: the person is told how to move it (unbind it there, or
// prove that ID's password here, which moves it in one statement). Every change is audited and notified.
import type Router from '@koa/router';
import { bodyParser } from '@koa/bodyparser';
import type { Context } from 'koa';
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AccountService } from '../src/services/accounts.ts';
import type { SignInLimiter } from '../src/services/sign-in-limiter.ts';
import type { ExternalIdentities } from '../src/services/external-identities.ts';
import type { WechatBindings } from '../src/services/wechat-bindings.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import type { ExternalSubject } from '../src/connectors/wechat/api-client.ts';
import type { SecurityEvent } from '../src/connectors/email/templates.ts';
import { AppError, type ErrorCode } from '../src/lib/errors.ts';
import { constantTimeEqual, randomToken } from '../src/lib/crypto.ts';
import { issueCsrfToken } from '../src/http/csrf.ts';
import type { AccountPageExtension, Form, SecurityNotifications, SignedIn } from './account-routes.ts';
import type { RedirectProvider } from './connect-routes.ts';
import { messages } from './i18n/index.ts';
import { localeOf, pageFrame } from './render.ts';
import { renderWechatSwitch } from './views/wechat-binding.ts';

const pagePath = '/account/connections';
const stateCookie = 'campus_wechat_bind';
const switchCookie = 'campus_wechat_switch';
const stepSeconds = 600;

export interface WechatBindingDependencies {
  issuer: string;
  store: KeyValueStore;
  websiteQr: RedirectProvider;
  identities: ExternalIdentities;
  bindings: WechatBindings;
  accounts: AccountService;
  limiter: SignInLimiter;
  audit: Pick<AuditLog, 'record'>;
  notifier: SecurityNotifications;
}

/** A started binding: whose, in which SSO session. */
interface StartedBinding {
  accountId: string;
  sessionUid: string;
}

/** A scanned WeChat that is bound to `fromUserId`, waiting for the move to `toUserId`. */
interface PendingSwitch {
  identity: ExternalSubject;
  fromUserId: string;
  toUserId: string;
  sessionUid: string;
}

const text = (value: unknown, max: number) => (typeof value === 'string' ? value.slice(0, max) : '');

export function wechatBindingPages(deps: WechatBindingDependencies): AccountPageExtension {
  const { store, identities, bindings } = deps;
  const parseForm = bodyParser({ enableTypes: ['form'], formLimit: '16kb' });
  const stateKey = (state: string) => `account:wechat-bind:${state}`;
  const switchKey = (token: string) => `account:wechat-switch:${token}`;
  const cookieOptions = (ctx: Context) => ({ signed: true, httpOnly: true, sameSite: 'lax' as const, secure: ctx.secure, path: pagePath, maxAge: stepSeconds * 1000 });

  const notify = async (ctx: Context, userId: string, event: SecurityEvent) => {
    try {
      await deps.notifier.notify(userId, event, { locale: localeOf(ctx) });
    } catch (error) {
      // The change is made; a failed notice is logged for the operators, not shown as a failed change.
      ctx.state.logger.warn({ err: error, event: 'account.notify_failed', notice: event, accountId: userId }, 'security notice not sent');
    }
  };

  const audit = (ctx: Context, type: `factor.${string}`, userId: string, detail: Record<string, string | boolean>) =>
    deps.audit.record({ type, userId, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail });

  const done = (ctx: Context, notice: 'bound' | 'already' | 'moved') => {
    ctx.status = 303;
    ctx.redirect(`${pagePath}?done=${notice}`);
  };

  /** This browser's pending move, for this person in this session. */
  const openSwitch = async (ctx: Context, { session, user }: SignedIn) => {
    const token = ctx.cookies.get(switchCookie, { signed: true });
    const raw = token ? await store.get(switchKey(token)) : undefined;
    const pending = raw ? (JSON.parse(raw) as PendingSwitch) : undefined;
    if (!token || !pending || pending.toUserId !== user.id || pending.sessionUid !== session.uid) throw new AppError('wechat_bind_expired');
    return { token, pending };
  };

  const showSwitch = (ctx: Context, state: { loginId?: string; error?: ErrorCode | 'same_account' } = {}) => {
    ctx.type = 'html';
    ctx.body = renderWechatSwitch({
      ...pageFrame(ctx),
      languageLinks: undefined,
      csrfToken: issueCsrfToken(ctx),
      action: `${pagePath}/wechat/switch`,
      backUrl: pagePath,
      ...state,
    });
  };

  return (router: Router, kit) => {
    router.post('/connections/bind/wechat', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const what = { kind: 'described', text: messages(localeOf(ctx)).wechatBinding.confirmBind, back: pagePath } as const;
      if (!(await kit.freshlyProven(ctx, signed, form as Form, what))) return;
      // WeChat allows only [a-zA-Z0-9] in state: 32 random bytes as hex.
      const state = randomBytes(32).toString('hex');
      await store.set(stateKey(state), JSON.stringify({ accountId: signed.user.id, sessionUid: signed.session.uid } satisfies StartedBinding), stepSeconds);
      ctx.cookies.set(stateCookie, state, cookieOptions(ctx));
      ctx.status = 303;
      ctx.redirect(deps.websiteQr.authorizeUrl(`${deps.issuer}${pagePath}/wechat/callback`, state));
    });

    router.get('/connections/wechat/callback', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      const userId = signed.user.id;
      const state = text(ctx.query.state, 256);
      const expected = ctx.cookies.get(stateCookie, { signed: true });
      // A state from another browser (or none) is refused without being used up: it may still be its owner's.
      if (!state || !expected || !constantTimeEqual(state, expected)) throw new AppError('wechat_bind_expired');
      ctx.cookies.set(stateCookie, null, { signed: true, path: pagePath });
      const saved = await store.take(stateKey(state));
      const started = saved ? (JSON.parse(saved) as StartedBinding) : undefined;
      if (!started || started.accountId !== userId || started.sessionUid !== signed.session.uid) {
        ctx.state.logger.warn({ event: 'account.wechat_bind_state_refused', accountId: userId }, 'WeChat binding with a used, expired or foreign state');
        throw new AppError('wechat_bind_expired');
      }
      const code = text(ctx.query.code, 512);
      const exchanged = code ? await deps.websiteQr.exchange(code) : undefined;
      if (!exchanged?.ok) {
        ctx.state.logger.warn({ event: 'account.wechat_bind_failed', accountId: userId, reason: exchanged ? exchanged.reason : 'denied' }, 'WeChat did not confirm the binding');
        throw new AppError('wechat_bind_failed');
      }
      const { identity } = exchanged;
      const linked = await identities.link(identity, userId);
      if (linked === 'already') return done(ctx, 'already');
      if (linked === 'linked') {
        ctx.state.logger.info({ event: 'connect.linked', accountId: userId, provider: identity.provider, proof: 'account_page' }, 'external identity linked');
        await audit(ctx, 'factor.external_linked', userId, { provider: identity.provider, proof: 'account_page' });
        await notify(ctx, userId, 'external_identity_linked');
        return done(ctx, 'bound');
      }
      // Bound to another campus ID: nothing is linked; the person learns how to move it.
      const owner = await bindings.ownerOf(identity);
      if (!owner) throw new AppError('wechat_bind_expired'); // unbound in the meantime: "Bind WeChat" again links it.
      ctx.state.logger.info({ event: 'connect.link_refused', accountId: userId, provider: identity.provider, reason: 'bound_elsewhere' }, 'WeChat bound to another account');
      await audit(ctx, 'factor.external_link_refused', userId, { provider: identity.provider, reason: 'bound_to_another_account' });
      await audit(ctx, 'factor.external_link_refused', owner, { provider: identity.provider, reason: 'scanned_for_another_account' });
      const token = randomToken(24);
      await store.set(switchKey(token), JSON.stringify({ identity, fromUserId: owner, toUserId: userId, sessionUid: signed.session.uid } satisfies PendingSwitch), stepSeconds);
      ctx.cookies.set(switchCookie, token, cookieOptions(ctx));
      ctx.status = 303;
      ctx.redirect(`${pagePath}/wechat/switch`);
    });

    router.get('/connections/wechat/switch', async (ctx) => {
      const signed = await kit.requireSignedIn(ctx, pagePath);
      if (!signed) return;
      await openSwitch(ctx, signed);
      ctx.status = 409;
      showSwitch(ctx);
    });

    // Moving on the spot: the scan proved this WeChat, the other ID's password proves that ID agrees.
    router.post('/connections/wechat/switch', parseForm, async (ctx) => {
      const guarded = await kit.guardPost(ctx, pagePath);
      if (!guarded) return;
      const { signed, form } = guarded;
      const { token, pending } = await openSwitch(ctx, signed);
      const loginId = text(form.login_id, 128).trim();
      const password = text(form.password, 1024);
      const refuse = (error: ErrorCode | 'same_account', status: number) => {
        ctx.status = status;
        showSwitch(ctx, { loginId, error });
      };
      if (!loginId || !password) return refuse('invalid_credentials', 400);
      if (await deps.limiter.isBlocked(loginId, ctx.ip)) return refuse('invalid_credentials', 401);
      const result = await deps.accounts.authenticate(loginId, password);
      if (!result.ok) {
        if (result.reason === 'invalid_credentials' || result.reason === 'card_number_not_login_id') await deps.limiter.recordFailure(loginId, ctx.ip);
        ctx.state.logger.info({ event: 'account.wechat_switch_failed', accountId: signed.user.id, reason: result.reason }, 'WeChat move: proof of the other ID failed');
        return refuse(result.reason, 401);
      }
      if (result.user.id === signed.user.id) return refuse('same_account', 400);
      // The right password of some third ID proves nothing about the WeChat's owner: answered and counted like a
      // wrong one, so the form cannot tell which passwords are right.
      if (result.user.id !== pending.fromUserId) {
        await deps.limiter.recordFailure(loginId, ctx.ip);
        return refuse('invalid_credentials', 401);
      }
      await deps.limiter.recordSuccess(loginId);
      if (!(await store.take(switchKey(token)))) throw new AppError('wechat_bind_expired');
      ctx.cookies.set(switchCookie, null, { signed: true, path: pagePath });
      if ((await bindings.move(pending.identity, pending.fromUserId, signed.user.id)) !== 'moved') throw new AppError('wechat_bind_expired');
      const provider = pending.identity.provider;
      ctx.state.logger.info({ event: 'connect.moved', accountId: signed.user.id, fromAccountId: pending.fromUserId, provider }, 'WeChat moved to another account');
      await audit(ctx, 'factor.external_unlinked', pending.fromUserId, { provider, reason: 'moved_to_another_account' });
      await audit(ctx, 'factor.external_linked', signed.user.id, { provider, proof: 'previous_owner_password', moved: true });
      await notify(ctx, pending.fromUserId, 'external_identity_unlinked');
      await notify(ctx, signed.user.id, 'external_identity_linked');
      done(ctx, 'moved');
    });
  };
}
