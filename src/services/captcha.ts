// A proof-of-work captcha (ALTCHA) that needs no foreign service and tracks nobody: the server signs a challenge
// with its own HMAC key, the browser spends CPU on it, and the signed solution is accepted once before it expires.
import { hkdfSync } from 'node:crypto';
import { createChallenge, verifySolution } from 'altcha-lib';
import type { Challenge } from 'altcha-lib/types';
import type { KeyValueStore } from '../data/kv-store.ts';
import { sha256Hex } from '../lib/crypto.ts';

export const captchaTtlSeconds = 600;

export interface CaptchaOptions {
  store: KeyValueStore;
  /** The newest cookie key: the HMAC key is derived from it with HKDF, so no further secret needs keeping. */
  serverSecret: string;
  /** Upper bound of the number the browser searches for; the average work is half of it. */
  maxNumber: number;
}

export function createCaptcha({ store, serverSecret, maxNumber }: CaptchaOptions) {
  const hmacKey = Buffer.from(hkdfSync('sha256', serverSecret, 'campus-idp', 'altcha challenge key', 32)).toString('base64url');

  return {
    challenge(): Promise<Challenge> {
      return createChallenge({ hmacKey, maxNumber, expires: new Date(Date.now() + captchaTtlSeconds * 1000) });
    },

    /** True for a correct, unexpired solution that has not been accepted before. */
    async verify(payload: unknown): Promise<boolean> {
      if (typeof payload !== 'string' || payload.length === 0 || payload.length > 2048) return false;
      let signature: unknown;
      try {
        signature = (JSON.parse(Buffer.from(payload, 'base64').toString('utf8')) as { signature?: unknown }).signature;
      } catch {
        return false;
      }
      if (typeof signature !== 'string' || !(await verifySolution(payload, hmacKey, true).catch(() => false))) return false;
      // The first use counts the signature; any replay within the challenge's lifetime sees a count above one.
      return (await store.increment(`captcha:used:${sha256Hex(signature)}`, captchaTtlSeconds)) === 1;
    },
  };
}

export type Captcha = ReturnType<typeof createCaptcha>;
