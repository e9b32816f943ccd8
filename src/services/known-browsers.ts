// Browsers that have passed a second factor for a person. With the unknown-browser risk rule on, a person who
// has a factor is asked for it on any other browser, even where the app does not demand one. The browser keeps
// a random id in a signed cookie; the store keeps only its hash, per person.
import type { KeyValueStore } from '../data/kv-store.ts';
import { randomToken, sha256Hex } from '../lib/crypto.ts';

export const browserCookie = 'campus_browser';
/** How long a browser stays known without passing a second factor again. */
export const knownBrowserDays = 180;

export function createKnownBrowsers(store: KeyValueStore) {
  const key = (userId: string, browserId: string) => `known-browser:${userId}:${sha256Hex(browserId)}`;
  return {
    newBrowserId: () => randomToken(24),

    async remember(userId: string, browserId: string): Promise<void> {
      await store.set(key(userId, browserId), '1', knownBrowserDays * 86_400);
    },

    async isKnown(userId: string, browserId: string | undefined): Promise<boolean> {
      if (!browserId || browserId.length > 64) return false;
      return (await store.get(key(userId, browserId))) !== undefined;
    },
  };
}

export type KnownBrowsers = ReturnType<typeof createKnownBrowsers>;
