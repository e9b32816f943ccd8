// Sign-in with WeChat (website QR, official-account QR) and WeCom. /connect/{wechat,wecom}/start?interaction=…
// mints a single-use CSPRNG `state` bound to this sign-in and, by a signed cookie, to this browser, and sends the
// browser to WeChat/WeCom; /connect/{wechat,wecom}/callback checks the state, exchanges the code server-side and
// hands the identity to connect-sign-in.ts. Every vendor failure becomes a clear page, never a stack.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { WechatConfig } from '../src/config/env.ts';
import { AppError } from '../src/lib/errors.ts';
import { constantTimeEqual } from '../src/lib/crypto.ts';
import { randomBytes } from 'node:crypto';
import type { ExternalSubject, WechatResult } from '../src/connectors/wechat/api-client.ts';
import { createOpenPlatform } from '../src/connectors/wechat/open-platform.ts';
import { createWecom } from '../src/connectors/wechat/wecom.ts';
import { createOfficialAccount } from '../src/connectors/wechat/official-account.ts';
import { connectSignIn, failurePages, type ConnectSignInDependencies } from './connect-sign-in.ts';
import { officialAccountRoutes } from './connect-mp-routes.ts';
import type { ConnectOffer } from './views/connect.ts';

const stateCookie = 'campus_connect_state';
const stateSeconds = 600;

export interface RedirectProvider {
  authorizeUrl(redirectUri: string, state: string): string;
  exchange(code: string): Promise<WechatResult<{ identity: ExternalSubject }>>;
}

export function connectRoutes(deps: ConnectSignInDependencies & { issuer: string; wechat: WechatConfig }) {
  const router = new Router();
  const signIn = connectSignIn(deps);
  const { store } = deps;
  const vendors: Partial<Record<'wechat' | 'wecom', RedirectProvider>> = {
    wechat: deps.wechat.open && createOpenPlatform(deps.wechat.open),
    wecom: deps.wechat.wecom && createWecom(deps.wechat.wecom),
  };
  const officialAccount = deps.wechat.officialAccount && createOfficialAccount(deps.wechat.officialAccount);
  const stateKey = (state: string) => `connect:state:${state}`;

  router.use(async (ctx, next) => {
    if (ctx.path.startsWith('/connect/')) ctx.set('Cache-Control', 'no-store');
    await next();
  });

  for (const kind of ['wechat', 'wecom'] as const) {
    const vendor = vendors[kind];
    if (!vendor) continue;
    const callbackUrl = `${deps.issuer}/connect/${kind}/callback`;

    router.get(`/connect/${kind}/start`, async (ctx) => {
      const uid = typeof ctx.query.interaction === 'string' ? ctx.query.interaction : '';
      if (!(await signIn.loginInteraction(uid))) throw new AppError('interaction_expired');
      // WeChat allows only [a-zA-Z0-9] in state: 32 random bytes as hex.
      const state = randomBytes(32).toString('hex');
      await store.set(stateKey(state), JSON.stringify({ uid, kind }), stateSeconds);
      ctx.cookies.set(stateCookie, state, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/connect', maxAge: stateSeconds * 1000 });
      ctx.redirect(vendor.authorizeUrl(callbackUrl, state));
    });

    router.get(`/connect/${kind}/callback`, async (ctx: Context) => {
      const state = typeof ctx.query.state === 'string' ? ctx.query.state : '';
      const expected = ctx.cookies.get(stateCookie, { signed: true });
      // A state from another browser (or none) is refused without being used up: it may still be its owner's.
      if (!state || !expected || !constantTimeEqual(state, expected)) {
        ctx.state.logger.warn({ event: 'connect.state_refused', kind, reason: state ? 'foreign' : 'missing' }, 'connect callback with a foreign or missing state');
        throw new AppError('connect_state_invalid');
      }
      ctx.cookies.set(stateCookie, null, { signed: true, path: '/connect' });
      const saved = await store.take(stateKey(state));
      if (!saved) {
        ctx.state.logger.warn({ event: 'connect.state_refused', kind, reason: 'used_or_expired' }, 'connect callback with a used or expired state');
        throw new AppError('connect_state_invalid');
      }
      const { uid, kind: startedAs } = JSON.parse(saved) as { uid: string; kind: string };
      if (startedAs !== kind) throw new AppError('connect_state_invalid');
      const code = typeof ctx.query.code === 'string' ? ctx.query.code.slice(0, 512) : '';
      if (!code) throw new AppError('connect_denied');
      const exchanged = await vendor.exchange(code);
      if (!exchanged.ok) {
        ctx.state.logger.warn({ event: 'connect.exchange_failed', kind, reason: exchanged.reason, errcode: exchanged.errcode }, 'code exchange refused');
        throw new AppError(failurePages[exchanged.reason]);
      }
      await signIn.arrive(ctx, uid, exchanged.identity);
    });
  }

  if (officialAccount) officialAccountRoutes({ store, officialAccount, signIn }, router);
  signIn.register(router);

  const offer = (uid: string): ConnectOffer | undefined => {
    if (!vendors.wechat && !vendors.wecom && !officialAccount) return undefined;
    const query = `?interaction=${encodeURIComponent(uid)}`;
    return {
      wechat: vendors.wechat && `/connect/wechat/start${query}`,
      wechatMp: officialAccount && `/connect/wechat-mp/start${query}`,
      wecom: vendors.wecom && `/connect/wecom/start${query}`,
    };
  };

  // The same vendor clients (one cached app token each) serve WeChat as a second factor and binding from /account.
  return { router, offer, websiteQr: vendors.wechat, officialAccount };
}
