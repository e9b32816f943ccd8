// Status changes of QR sign-in sessions, delivered to whichever instance holds the desktop's event stream: Redis
// pub/sub on one channel when REDIS_URL is set (each instance subscribes once), an in-process emitter otherwise.
import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import type { QrStatus } from './qr-sessions.ts';

export interface QrEvents {
  publish(sessionId: string, status: QrStatus): void;
  /** Calls `listener` for each change of `sessionId`; returns the unsubscribe function. */
  subscribe(sessionId: string, listener: (status: QrStatus) => void): () => void;
  /** Ends every open subscription (shutdown: event streams close so the server can drain). */
  close(): Promise<void>;
}

const closing = 'closing';

export async function createQrEvents(options: { redis?: Redis; channel: string; onError?: (error: unknown) => void }): Promise<QrEvents & { onClose(listener: () => void): () => void }> {
  const local = new EventEmitter();
  // One listener per waiting desktop page: thousands are expected, none is a leak.
  local.setMaxListeners(0);
  const { redis, channel } = options;
  let subscriber: Redis | undefined;
  if (redis) {
    subscriber = redis.duplicate({ lazyConnect: true, enableOfflineQueue: true });
    subscriber.on('error', (error: unknown) => options.onError?.(error));
    await subscriber.connect();
    await subscriber.subscribe(channel);
    subscriber.on('message', (_channel: string, message: string) => {
      const [sessionId, status] = message.split(' ');
      if (sessionId && status) local.emit(sessionId, status as QrStatus);
    });
  }
  return {
    publish(sessionId, status) {
      if (!redis) {
        local.emit(sessionId, status);
        return;
      }
      // The subscriber of this instance hears it too; a lost publish only delays the page until its next check.
      redis.publish(channel, `${sessionId} ${status}`).catch((error: unknown) => options.onError?.(error));
    },
    subscribe(sessionId, listener) {
      local.on(sessionId, listener);
      return () => local.off(sessionId, listener);
    },
    onClose(listener) {
      local.on(closing, listener);
      return () => local.off(closing, listener);
    },
    async close() {
      local.emit(closing);
      subscriber?.disconnect();
    },
  };
}
