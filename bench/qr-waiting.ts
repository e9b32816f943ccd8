// Memory per waiting desktop page: opens `count` sign-in pages that each show a QR code and hold its event stream
// open (as a lab full of idle sign-in screens would), then reads the server's RSS and Redis's used_memory with
// all of them waiting, and again after they have gone (to show the cost is given back).
import { Redis } from 'ioredis';
import type { RelyingParty } from '../test/helpers/oidc.ts';
import { startDesktopQr } from './qr-approval.ts';
import { residentMiB } from './soak.ts';

export interface WaitingPagesResult {
  /** Pages still waiting (stream open) when memory was read. */
  open: number;
  openSeconds: number;
  rssBeforeMiB: number;
  rssOpenMiB: number;
  rssAfterMiB: number;
  redisPerPageBytes: number | undefined;
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function measureWaitingPages(options: { issuer: string; app: RelyingParty; pid: number; count: number; concurrency: number; redisUrl?: string }): Promise<WaitingPagesResult> {
  const redis = options.redisUrl ? new Redis(options.redisUrl) : undefined;
  const usedMemory = async () => (redis ? Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0) : 0);
  const streams: ReadableStreamDefaultReader<Uint8Array>[] = [];
  let next = 0;
  let stillOpen = 0;
  let closing = false;
  try {
    const rssBeforeMiB = residentMiB(options.pid);
    const redisBefore = await usedMemory();
    const started = performance.now();
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (next++ < options.count) {
          const { desktop, qr, renew } = await startDesktopQr(options.app, options.issuer);
          const listen = async (eventsUrl: string) => {
            const response = await fetch(new URL(eventsUrl, options.issuer), { headers: { cookie: desktop.cookieHeaderFor(new URL(options.issuer)), accept: 'text/event-stream' } });
            if (!response.ok || !response.body) throw new Error(`events ${response.status}`);
            const reader = response.body.getReader();
            await reader.read(); // the stream's first bytes: the server now holds this page
            streams.push(reader);
            return reader;
          };
          let reader = await listen(qr.eventsUrl);
          stillOpen++;
          // Like the page itself: when the server ends the stream (the code expired), ask for a new code and listen
          // again, until the measurement closes the streams. A page that fails to renew stops counting.
          void (async () => {
            for (;;) {
              while (!(await reader.read().catch(() => ({ done: true }))).done);
              if (closing) break;
              try {
                reader = await listen((await renew()).eventsUrl);
              } catch {
                break;
              }
            }
            stillOpen--;
          })();
        }
      }),
    );
    const openSeconds = (performance.now() - started) / 1000;
    await pause(2000);
    const rssOpenMiB = residentMiB(options.pid);
    const redisOpen = await usedMemory();
    const open = stillOpen;
    closing = true;
    await Promise.all(streams.splice(0).map((reader) => reader.cancel().catch(() => undefined)));
    await pause(5000);
    return {
      open,
      openSeconds,
      rssBeforeMiB,
      rssOpenMiB,
      rssAfterMiB: residentMiB(options.pid),
      redisPerPageBytes: redis ? (redisOpen - redisBefore) / Math.max(open, 1) : undefined,
    };
  } finally {
    closing = true;
    await Promise.all(streams.map((reader) => reader.cancel().catch(() => undefined)));
    redis?.disconnect();
  }
}
