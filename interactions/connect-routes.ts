// Sign-in with WeChat (website QR, official-account QR, in-WeChat authorization) and WeCom (web login, in-WeCom
// authorization). /connect/<kind>/start?interaction=… mints a single-use CSPRNG `state` bound to this sign-in and,
// by a signed cookie, to this browser, and sends the browser to WeChat/WeCom; /connect/<kind>/callback checks the
// state, exchanges the code server-side and hands the identity to connect-sign-in.ts. Inside the WeChat or WeCom
// app the login page offers (or, WECHAT_IN_APP=direct, goes straight to) that app's own authorization, since a
// page cannot scan its own QR. Every vendor failure becomes a clear page, never a stack.
import Router from '@koa/router';
import type { Context } from 'koa';
import type { WechatConfig } from '../src/config/env.ts';
import { AppError, errorCatalogue, type ErrorCode } from '../src/lib/errors.ts';
import { constantTimeEqual } from '../src/lib/crypto.ts';
import { randomBytes } from 'node:crypto';
import type { ExternalSubject, WechatResult } from '../src/connectors/wechat/api-client.ts';
import { createOpenPlatform } from '../src/connectors/wechat/open-platform.ts';
import { createWecom } from '../src/connectors/wechat/wecom.ts';
import { createOfficialAccount } from '../src/connectors/wechat/official-account.ts';
import { createOfficialAccountWebAuth, createWecomInApp } from '../src/connectors/wechat/in-app-auth.ts';
import { inAppBrowserOf } from '../src/services/in-app-browser.ts';
import type { ScanEvents } from './scan-wait-stream.ts';
import { connectSignIn, failurePages, type ConnectSignInDependencies } from './connect-sign-in.ts';
import { officialAccountRoutes } from './connect-mp-routes.ts';
import type { ConnectOffer } from './views/connect.ts';
import { renderConnectFailure } from './views/connect-failure.ts';
import { pageFrame } from './render.ts';

const stateCookie = 'campus_connect_state';
const stateSeconds = 600;

export interface RedirectProvider {
  authorizeUrl(redirectUri: string, state: string): string;
  exchange(code: string): Promise<WechatResult<{ identity: ExternalSubject }>>;
}

const connectKinds = ['wechat', 'wecom', 'wechat-in-app', 'wecom-in-app'] as const;

export function connectRoutes(deps: ConnectSignInDependencies & { issuer: string; wechat: WechatConfig; scanEvents?: ScanEvents }) {
  const router = new Router();
  const signIn = connectSignIn(deps);
  const { store } = deps;
  const { open, officialAccount: mpSettings, wecom: wecomSettings } = deps.wechat;
  const officialAccount = mpSettings && createOfficialAccount(mpSettings);
  const wecom = wecomSettings && createWecom(wecomSettings);
  // The in-app ways share the account's and the corp app's clients (one cached app token each).
  const vendors: Partial<Record<(typeof connectKinds)[number], RedirectProvider>> = {
    wechat: open && createOpenPlatform(open),
    wecom,
    'wechat-in-app': mpSettings && officialAccount && createOfficialAccountWebAuth(mpSettings, officialAccount.resolveIdentity),
    'wecom-in-app': wecomSettings && wecom && createWecomInApp(wecomSettings, wecom),
  };
  const stateKey = (state: string) => `connect:state:${state}`;

  router.use(async (ctx, next) => {
    if (ctx.path.startsWith('/connect/')) ctx.set('Cache-Control', 'no-store');
    await next();
  });

  for (const kind of connectKinds) {
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
      // From here the sign-in is known: a failure page links back to it (the state is used up either way).
      const fail = (error: ErrorCode) => {
        ctx.status = errorCatalogue[error].status;
        ctx.type = 'html';
        ctx.body = renderConnectFailure({ ...pageFrame(ctx), languageLinks: undefined, error, backUrl: `/interaction/${uid}` });
      };
      const code = typeof ctx.query.code === 'string' ? ctx.query.code.slice(0, 512) : '';
      if (!code) return fail('connect_denied');
      const exchanged = await vendor.exchange(code);
      if (!exchanged.ok) {
        ctx.state.logger.warn({ event: 'connect.exchange_failed', kind, reason: exchanged.reason, errcode: exchanged.errcode }, 'code exchange refused');
        return fail(failurePages[exchanged.reason]);
      }
      await signIn.arrive(ctx, uid, exchanged.identity);
    });
  }

  if (officialAccount) officialAccountRoutes({ store, officialAccount, signIn, events: deps.scanEvents }, router);
  signIn.register(router);

  const offer = (uid: string, userAgent?: string): ConnectOffer | undefined => {
    const query = `?interaction=${encodeURIComponent(uid)}`;
    // Inside WeChat/WeCom a QR on this very screen cannot be scanned: offer the app's own authorization instead.
    const app = inAppBrowserOf(userAgent);
    if (app && vendors[`${app}-in-app`]) return { inApp: { app, href: `/connect/${app}-in-app/start${query}` } };
    if (!vendors.wechat && !vendors.wecom && !officialAccount) return undefined;
    return {
      wechat: vendors.wechat && `/connect/wechat/start${query}`,
      wechatMp: officialAccount && `/connect/wechat-mp/start${query}`,
      wecom: vendors.wecom && `/connect/wecom/start${query}`,
    };
  };

  /** WECHAT_IN_APP=direct: where the login page sends an in-app browser at once; once per sign-in, so coming back after a failed try shows the page instead of looping. */
  const directStart = async (uid: string, userAgent: string | undefined): Promise<string | undefined> => {
    const href = deps.wechat.inApp === 'direct' ? offer(uid, userAgent)?.inApp?.href : undefined;
    if (!href || (await store.increment(`connect:in-app:direct:${uid}`, stateSeconds)) > 1) return undefined;
    return href;
  };

  // The same vendor clients (one cached app token each) serve WeChat as a second factor and binding from /account.
  return { router, offer, directStart, websiteQr: vendors.wechat, officialAccount };
}
