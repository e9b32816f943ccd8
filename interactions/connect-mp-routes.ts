// Official-account QR sign-in: /connect/wechat-mp/start shows a temporary parametric QR for this sign-in, WeChat
// pushes the scan to /connect/wechat-mp/events (signature checked, secure mode decrypted), which publishes it to
// the page's event stream /wait (any instance, scan-wait-stream.ts; /status stays as the page's slow fallback),
// and /finish (same browser, signed cookie) completes it through connect-sign-in.ts.
import type Router from '@koa/router';
import type { Context } from 'koa';
import QRCode from 'qrcode';
import { randomBytes } from 'node:crypto';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import type { OfficialAccount } from '../src/connectors/wechat/official-account.ts';
import { AppError } from '../src/lib/errors.ts';
import { pageFrame } from './render.ts';
import { renderOfficialAccountQr } from './views/connect.ts';
import { failurePages, type ConnectSignIn } from './connect-sign-in.ts';
import { scanEventKey, streamScanStatus, type ScanEvents, type ScanWaitStatus } from './scan-wait-stream.ts';

const sceneCookie = 'campus_connect_mp';
const qrSeconds = 300;
const maxEventBytes = 64 * 1024;

/** Who scanned, kept until the waiting browser picks it up; openid → unionid happens then, so WeChat's push is answered at once. */
export interface ScanResult {
  uid: string;
  openid: string;
}

async function readBody(ctx: Context): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req) {
    size += (chunk as Buffer).length;
    if (size > maxEventBytes) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** A scene waiting for its scan (value: who waits), and who scanned it; shared with interactions/mfa-wechat-routes.ts. */
export const sceneKey = (scene: string) => `connect:mp:scene:${scene}`;
export const resultKey = (scene: string) => `connect:mp:result:${scene}`;

/** Whether the scene's QR is still waiting, was scanned (a result waits to be taken) or is gone. */
export async function sceneStatus(store: KeyValueStore, scene: string): Promise<ScanWaitStatus> {
  const [waiting, result] = await store.getMany([sceneKey(scene), resultKey(scene)]);
  return result ? 'scanned' : waiting ? 'waiting' : 'expired';
}

export function officialAccountRoutes(deps: { store: KeyValueStore; officialAccount: OfficialAccount; signIn: ConnectSignIn; events?: ScanEvents }, router: Router): void {
  const { store, officialAccount, signIn, events } = deps;
  const sceneOf = (ctx: Context) => {
    const scene = ctx.cookies.get(sceneCookie, { signed: true });
    return scene && /^login[0-9a-f]{32}$/.test(scene) ? scene : undefined;
  };
  const finishUrl = '/connect/wechat-mp/finish';

  router.get('/connect/wechat-mp/start', async (ctx) => {
    const uid = typeof ctx.query.interaction === 'string' ? ctx.query.interaction : '';
    if (!(await signIn.loginInteraction(uid))) throw new AppError('interaction_expired');
    const scene = `login${randomBytes(16).toString('hex')}`;
    const qr = await officialAccount.createLoginQr(scene, qrSeconds);
    if (!qr.ok) {
      ctx.state.logger.warn({ event: 'connect.mp_qr_failed', reason: qr.reason, errcode: qr.errcode }, 'official account QR not created');
      throw new AppError(failurePages[qr.reason]);
    }
    await store.set(sceneKey(scene), uid, qr.expireSeconds);
    ctx.cookies.set(sceneCookie, scene, { signed: true, httpOnly: true, sameSite: 'lax', secure: ctx.secure, path: '/connect/wechat-mp', maxAge: qr.expireSeconds * 1000 });
    ctx.type = 'html';
    ctx.body = renderOfficialAccountQr({
      ...pageFrame(ctx),
      qrDataUrl: await QRCode.toDataURL(qr.url, { margin: 1, width: 240 }),
      statusUrl: '/connect/wechat-mp/status',
      eventsUrl: events && '/connect/wechat-mp/wait',
      continueUrl: finishUrl,
      backUrl: `/interaction/${uid}`,
    });
  });

  router.get('/connect/wechat-mp/status', async (ctx) => {
    const scene = sceneOf(ctx);
    ctx.type = 'json';
    if (!scene) {
      ctx.body = { status: 'expired' };
      return;
    }
    const status = await sceneStatus(store, scene);
    ctx.body = status === 'scanned' ? { status, next: finishUrl } : { status };
  });

  // The waiting page's event stream: "scanned" arrives as soon as any instance receives WeChat's push.
  router.get('/connect/wechat-mp/wait', async (ctx) => {
    const scene = sceneOf(ctx);
    if (!events || !scene) throw new AppError('connect_state_invalid');
    await streamScanStatus(ctx, events, scene, () => sceneStatus(store, scene), finishUrl);
  });

  router.get('/connect/wechat-mp/finish', async (ctx) => {
    const scene = sceneOf(ctx);
    const raw = scene ? await store.take(resultKey(scene)) : undefined;
    if (!raw) throw new AppError('connect_state_invalid');
    ctx.cookies.set(sceneCookie, null, { signed: true, path: '/connect/wechat-mp' });
    const result = JSON.parse(raw) as ScanResult;
    const resolved = await officialAccount.resolveIdentity(result.openid);
    if (!resolved.ok) {
      ctx.state.logger.warn({ event: 'connect.mp_resolve_failed', reason: resolved.reason, errcode: resolved.errcode }, 'openid not resolved');
      throw new AppError(failurePages[resolved.reason]);
    }
    await signIn.arrive(ctx, result.uid, resolved.identity);
  });

  // WeChat checks the URL once when it is saved in the account's settings.
  router.get('/connect/wechat-mp/events', (ctx) => {
    const echo = officialAccount.verifyUrl(ctx.query);
    if (echo === undefined) throw new AppError('connect_signature_invalid');
    ctx.type = 'text/plain';
    ctx.body = echo;
  });

  router.post('/connect/wechat-mp/events', async (ctx) => {
    const body = await readBody(ctx);
    const reading = body === undefined ? { ok: false as const, reason: 'unreadable' as const } : officialAccount.readEvent(ctx.query, body);
    if (!reading.ok) {
      ctx.state.logger.warn({ event: 'connect.mp_event_refused', reason: reading.reason }, 'official account push refused');
      ctx.status = reading.reason === 'bad_signature' ? 403 : 400;
      ctx.type = 'text/plain';
      ctx.body = reading.reason === 'bad_signature' ? 'forbidden' : 'bad request';
      return;
    }
    // Anything but "success" makes WeChat show the follower "this account cannot provide service".
    ctx.type = 'text/plain';
    ctx.body = 'success';
    const scan = reading.scan;
    if (!scan) return;
    // WeChat retries a slow answer up to 3 times: the first delivery of an event does the work.
    if ((await store.increment(`connect:mp:seen:${scan.openid}:${scan.createTime}`, 60)) > 1) return;
    const uid = await store.take(sceneKey(scan.scene));
    if (!uid) return;
    await store.set(resultKey(scan.scene), JSON.stringify({ uid, openid: scan.openid } satisfies ScanResult), qrSeconds);
    events?.publish(scanEventKey(scan.scene), 'scanned');
  });
}
