// Server-sent events for a page waiting on an official-account scan (sign-in and the mfa prompt): the push
// handler publishes the scene on the QR status channel (src/services/qr-events.ts: Redis pub/sub when REDIS_URL
// is set, so the push may land on another instance), and the waiting page's stream re-reads the store and says
// "scanned" at once. The store stays the truth: it is read at start (after subscribing), on every event and on
// every heartbeat, so a lost publish only delays the page until the next heartbeat.
import type { Context } from 'koa';
import type { QrEvents } from '../src/services/qr-events.ts';

export type ScanEvents = Pick<QrEvents, 'publish' | 'subscribe'> & { onClose(listener: () => void): () => void };
export type ScanWaitStatus = 'waiting' | 'scanned' | 'expired';

/** The channel name of one official-account scene (a QR shown to one waiting page). */
export const scanEventKey = (scene: string) => `connect-mp:${scene}`;

const heartbeatMs = 10_000;

/** Answers the request with an event stream of `{ status, next? }` until the scene is scanned or expired. */
export async function streamScanStatus(ctx: Context, events: ScanEvents, scene: string, check: () => Promise<ScanWaitStatus>, next: string): Promise<void> {
  const stream = ctx.res;
  ctx.req.socket.setTimeout(0);
  ctx.req.socket.setNoDelay(true);
  ctx.status = 200;
  ctx.respond = false;
  stream.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-store', 'X-Accel-Buffering': 'no' });

  let last: ScanWaitStatus | undefined;
  const cleanups: (() => void)[] = [];
  const end = () => {
    for (const cleanup of cleanups.splice(0)) cleanup();
    if (!stream.writableEnded) stream.end();
  };
  const send = (status: ScanWaitStatus) => {
    if (status === last || stream.writableEnded) return;
    last = status;
    stream.write(`event: status\ndata: ${JSON.stringify(status === 'scanned' ? { status, next } : { status })}\n\n`);
    if (status !== 'waiting') end();
  };
  const recheck = () => void check().then(send, () => send('expired'));
  cleanups.push(events.subscribe(scanEventKey(scene), recheck), events.onClose(end));
  const heartbeat = setInterval(() => {
    if (!stream.writableEnded) stream.write(': keep-alive\n\n');
    recheck();
  }, heartbeatMs);
  cleanups.push(() => clearInterval(heartbeat));
  ctx.req.on('close', end);
  stream.write('retry: 3000\n\n');
  send(await check().catch((): ScanWaitStatus => 'expired'));
}
