// Scan-to-confirm sign-in. Desktop (under /interaction/:uid, bound to that browser's interaction cookie): create
// a QR, follow its status as server-sent events, finish the login prompt once approved. Phone (under /qr): open
// the QR's URL or type its code, sign in if needed, see what is asking, pick the desktop's number, decide.
import Router from '@koa/router';
import type { Context } from 'koa';
import type Provider from 'oidc-provider';
import QRCode from 'qrcode';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { AccountService, UserRecord } from '../src/services/accounts.ts';
import type { AuditLog } from '../src/services/audit-log.ts';
import { displayShortCode, type QrSessions, type QrStatus } from '../src/services/qr-sessions.ts';
import type { QrEvents } from '../src/services/qr-events.ts';
import { summariseUserAgent } from '../src/services/qr-user-agent.ts';
import { readSsoSession } from '../src/cas/sso-bridge.ts';
import { AppError } from '../src/lib/errors.ts';
import { constantTimeEqual, randomToken } from '../src/lib/crypto.ts';
import { issueCsrfToken, verifyCsrf } from '../src/http/csrf.ts';
import { acr } from '../src/oidc/acr.ts';
import { interactionHelpers } from './interaction-helpers.ts';
import { localeOf, pageFrame } from './render.ts';
import { qrAuthorizationUrl } from './qr-sign-in-client.ts';
import { renderQrApprove, renderQrEnterCode, renderQrOutcome, type QrOutcome } from './views/qr.ts';

export interface QrRouteDependencies {
  issuer: string;
  provider: Provider;
  store: KeyValueStore;
  accounts: AccountService;
  sessions: QrSessions;
  events: Pick<QrEvents, 'subscribe'> & { onClose(listener: () => void): () => void };
  /** Campus network label of an address (CAMPUS_NETWORKS), or undefined. */
  placeOf(ip: string | undefined): string | undefined;
  limits: { startsPerIp: number; approvalsPerIp: number; windowSeconds: number };
  audit?: Pick<AuditLog, 'record'>;
}

// RFC 8176 "mca" (multiple-channel authentication): the desktop's sign-in was confirmed over a second channel,
// the phone's own signed-in session. It is not a second factor: the mfa prompt still follows where required.
export const qrAmr = ['mca'];
const finalStatuses = new Set<QrStatus>(['approved', 'denied', 'mismatch', 'expired', 'finished']);
const phoneCookie = 'campus_qr_phone';
const stateCookie = 'campus_qr_state';
const heartbeatMs = 15_000;
const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export function qrRoutes(deps: QrRouteDependencies): Router {
  const { provider, sessions, store } = deps;
  const router = new Router();
  const { parseForm, details, clientName, finish } = interactionHelpers(provider);

  router.use(async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const overLimit = async (ctx: Context, what: 'start' | 'approve') => {
    const limit = what === 'start' ? deps.limits.startsPerIp : deps.limits.approvalsPerIp;
    const count = await store.increment(`qr:limit:${what}:${ctx.ip}`, deps.limits.windowSeconds);
    if (count <= limit) return false;
    ctx.state.logger.warn({ event: `qr.${what}_limited` }, 'QR sign-in over the limit');
    return true;
  };

  // ——— Desktop ———

  router.post('/interaction/:uid/qr', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    if (interaction.prompt.name !== 'login') throw new AppError('interaction_expired');
    if (!verifyCsrf(ctx, (ctx.request.body as Record<string, unknown> | undefined)?._csrf)) throw new AppError('csrf_failed');
    if (await overLimit(ctx, 'start')) throw new AppError('rate_limited');
    const started = await sessions.start({
      interactionUid: interaction.uid,
      clientName: (await clientName(interaction.params.client_id)) ?? '',
      ip: ctx.ip,
      userAgent: ctx.get('user-agent').slice(0, 512),
    });
    const qrUrl = `${deps.issuer}/qr/${started.token}`;
    const base = `/interaction/${interaction.uid}/qr/${started.sessionId}`;
    ctx.body = {
      qrUrl,
      qrDataUrl: await QRCode.toDataURL(qrUrl, { errorCorrectionLevel: 'M', margin: 1, width: 200 }),
      shortCode: displayShortCode(started.shortCode),
      enterUrl: `${deps.issuer}/qr`,
      digits: started.digits,
      expiresIn: Math.round((started.expiresAt - Date.now()) / 1000),
      eventsUrl: `${base}/events`,
      finishUrl: `${base}/finish`,
    };
  });

  router.get('/interaction/:uid/qr/:sid/events', async (ctx) => {
    const interaction = await details(ctx);
    const sessionId = ctx.params.sid ?? '';
    const session = await sessions.find(sessionId);
    if (!session || session.desktop.interactionUid !== interaction.uid) throw new AppError('qr_expired');

    // Written straight to the response (Koa's stream piping reports every closed tab as an error).
    const stream = ctx.res;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.respond = false;
    stream.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'X-Accel-Buffering': 'no' });

    let last: QrStatus | undefined;
    let expiryTimer: NodeJS.Timeout | undefined;
    const cleanups: (() => void)[] = [];
    const end = () => {
      for (const cleanup of cleanups.splice(0)) cleanup();
      clearTimeout(expiryTimer);
      stream.end();
    };
    const send = (status: QrStatus) => {
      if (status === last || stream.writableEnded) return;
      last = status;
      stream.write(`event: status\ndata: ${JSON.stringify({ status })}\n\n`);
      if (finalStatuses.has(status)) end();
    };
    // The store is the truth: read it at start (after subscribing, so no change is missed), at expiry, and with
    // each heartbeat (so a lost publish only delays the page).
    const check = async () => {
      const now = await sessions.find(sessionId).catch(() => undefined);
      send(now?.status ?? 'expired');
      if (now && !finalStatuses.has(now.status)) {
        clearTimeout(expiryTimer);
        expiryTimer = setTimeout(() => void check(), Math.max(0, now.expiresAt - Date.now()) + 250);
      }
    };
    cleanups.push(deps.events.subscribe(sessionId, send), deps.events.onClose(end));
    const heartbeat = setInterval(() => {
      stream.write(': keep-alive\n\n');
      void check();
    }, heartbeatMs);
    cleanups.push(() => clearInterval(heartbeat));
    ctx.req.on('close', end);
    stream.write('retry: 2000\n\n');
    await check();
  });

  router.post('/interaction/:uid/qr/:sid/finish', parseForm, async (ctx) => {
    const interaction = await details(ctx);
    if (!verifyCsrf(ctx, (ctx.request.body as Record<string, unknown> | undefined)?._csrf)) throw new AppError('csrf_failed');
    if (interaction.prompt.name !== 'login') throw new AppError('interaction_expired');
    const accountId = await sessions.takeApproval(ctx.params.sid ?? '', interaction.uid);
    const user = accountId ? await deps.accounts.findById(accountId) : undefined;
    if (!user || user.status !== 'active') throw new AppError('qr_expired');
    ctx.state.logger.info({ event: 'sign_in.succeeded', accountId: user.id, method: 'qr' }, 'signed in by QR approval');
    await deps.audit?.record({ type: 'sign_in.succeeded', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { method: 'qr' } });
    await finish(ctx, { login: { accountId: user.id, acr: acr.password, amr: qrAmr, ts: Math.floor(Date.now() / 1000), remember: true } });
  });

  // ——— Phone ———

  // The access log records the path: the QR token (single use, but still a secret while it lives) must not
  // reach it, so the path is rewritten once the request is handled.
  const hidePathToken = async (ctx: Context, next: () => Promise<unknown>) => {
    try {
      await next();
    } finally {
      ctx.path = '/qr/(token)';
    }
  };

  const outcome = (ctx: Context, kind: QrOutcome) => {
    ctx.status = kind === 'gone' ? 410 : 200;
    ctx.type = 'html';
    ctx.body = renderQrOutcome({ ...pageFrame(ctx), languageLinks: undefined, outcome: kind });
  };

  const holdClaim = (ctx: Context, phoneKey: string, expiresAt: number) => {
    ctx.cookies.set(phoneCookie, phoneKey, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/qr', maxAge: Math.max(1000, expiresAt - Date.now()) });
    ctx.status = 303;
    ctx.redirect('/qr/confirm');
  };

  const signedInPerson = async (ctx: Context): Promise<UserRecord | undefined> => {
    const session = await readSsoSession(ctx, provider);
    const user = session && (await deps.accounts.findById(session.accountId));
    return user?.status === 'active' ? user : undefined;
  };

  const showEnterCode = (ctx: Context, state: { code?: string; invalid?: boolean } = {}) => {
    ctx.type = 'html';
    ctx.body = renderQrEnterCode({ ...pageFrame(ctx), csrfToken: issueCsrfToken(ctx), action: '/qr', ...state });
  };

  router.get('/qr', (ctx) => showEnterCode(ctx));

  router.post('/qr', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    const code = text(form.code).slice(0, 16);
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    if (await overLimit(ctx, 'approve')) throw new AppError('rate_limited');
    const claimed = await sessions.claimShortCode(code);
    if (!claimed) {
      ctx.status = 400;
      return showEnterCode(ctx, { code, invalid: true });
    }
    holdClaim(ctx, claimed.phoneKey, claimed.session.expiresAt);
  });

  router.get('/qr/callback', async (ctx) => {
    const state = text(ctx.query.state);
    const expected = ctx.cookies.get(stateCookie, { signed: true });
    ctx.cookies.set(stateCookie, null, { signed: true, path: '/qr' });
    const known = state && expected && constantTimeEqual(state, expected) ? await store.take(`qr:login:${state}`) : undefined;
    if (!known || typeof ctx.query.error === 'string') throw new AppError('interaction_expired');
    ctx.redirect('/qr/confirm');
  });

  router.get('/qr/confirm', async (ctx) => {
    const phoneKey = ctx.cookies.get(phoneCookie, { signed: true });
    const session = phoneKey ? await sessions.forPhone(phoneKey) : undefined;
    if (!session) return outcome(ctx, 'gone');
    const user = await signedInPerson(ctx);
    if (!user) {
      const state = randomToken(24);
      await store.set(`qr:login:${state}`, '1', 600);
      ctx.cookies.set(stateCookie, state, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/qr', maxAge: 600_000 });
      ctx.redirect(qrAuthorizationUrl(deps.issuer, state, localeOf(ctx)));
      return;
    }
    const agent = summariseUserAgent(session.desktop.userAgent);
    ctx.type = 'html';
    ctx.body = renderQrApprove({
      ...pageFrame(ctx),
      languageLinks: undefined,
      csrfToken: issueCsrfToken(ctx),
      action: '/qr/confirm',
      displayName: user.displayName,
      loginId: user.username,
      choices: session.choices ?? [],
      details: { app: session.desktop.clientName, ...agent, ip: session.desktop.ip, place: deps.placeOf(session.desktop.ip), time: session.createdAt },
      pickMissing: ctx.query.pick === 'missing',
    });
  });

  router.post('/qr/confirm', parseForm, async (ctx) => {
    const form = (ctx.request.body ?? {}) as Record<string, unknown>;
    if (!verifyCsrf(ctx, form._csrf)) throw new AppError('csrf_failed');
    const phoneKey = ctx.cookies.get(phoneCookie, { signed: true });
    if (!phoneKey || !(await sessions.forPhone(phoneKey))) return outcome(ctx, 'gone');
    const user = await signedInPerson(ctx);
    if (!user) {
      ctx.status = 303;
      ctx.redirect('/qr/confirm');
      return;
    }
    if (await overLimit(ctx, 'approve')) throw new AppError('rate_limited');
    const approve = text(form.decision) === 'approve';
    const picked = text(form.number);
    if (approve && !/^\d{2}$/.test(picked)) {
      ctx.status = 303;
      ctx.redirect('/qr/confirm?pick=missing');
      return;
    }
    const result = await sessions.decide(phoneKey, user.id, { approve, number: approve ? Number(picked) : undefined });
    ctx.cookies.set(phoneCookie, null, { signed: true, path: '/qr' });
    ctx.state.logger.info({ event: 'qr.decided', accountId: user.id, result }, 'QR sign-in decided on the phone');
    if (result === 'mismatch') {
      await deps.audit?.record({ type: 'sign_in.failed', userId: user.id, ip: ctx.ip, userAgent: ctx.get('user-agent'), detail: { method: 'qr', reason: 'number_mismatch' } });
    }
    outcome(ctx, result);
  });

  router.get('/qr/:token', hidePathToken, async (ctx) => {
    if (await overLimit(ctx, 'approve')) throw new AppError('rate_limited');
    const claimed = await sessions.claimToken(ctx.params.token ?? '');
    if (!claimed) return outcome(ctx, 'gone');
    holdClaim(ctx, claimed.phoneKey, claimed.session.expiresAt);
  });

  return router;
}
