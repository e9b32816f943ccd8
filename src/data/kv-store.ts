// The contract for expiring state (sessions, tokens, interactions, tickets, codes, counters). Two
// implementations keep it: Redis (redis-store.ts) and a table in the relational store (sql-store.ts) for the
// embedded default. Every operation is atomic on its own and costs one round trip.
import { StoreUnavailableError } from '../lib/errors.ts';

export interface KeyValueStore {
  readonly kind: 'redis' | 'sql';

  get(key: string): Promise<string | undefined>;

  /** Reads several keys at once; missing keys come back as undefined, in order. */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]>;

  /**
   * Writes `value` under `key`, expiring after `ttlSeconds` (undefined = never). Each `addToSets` entry adds
   * `member` to the set at `setKey` in the same atomic step, and extends that set's expiry to at least this
   * key's expiry.
   */
  set(
    key: string,
    value: string,
    ttlSeconds: number | undefined,
    addToSets?: readonly { setKey: string; member: string }[],
  ): Promise<void>;

  /** Atomically reads and deletes (single use): of many concurrent takers exactly one gets the value. */
  take(key: string): Promise<string | undefined>;

  /**
   * Writes `companionKey` with the same expiry as `key`, only while `key` exists (e.g. a "consumed" mark that
   * dies with the token it marks). Returns false when `key` does not exist.
   */
  attach(key: string, companionKey: string, value: string): Promise<boolean>;

  delete(keys: readonly string[]): Promise<void>;

  /** The members of the set at `setKey` (empty when there is none). */
  setMembers(setKey: string): Promise<string[]>;

  /** Deletes every key listed as a member of `setKey`, then the set itself, atomically. */
  deleteSetMembers(setKey: string): Promise<void>;

  /** Drops `members` from the set at `setKey` (e.g. keys found expired), leaving the keys themselves alone. */
  removeSetMembers(setKey: string, members: readonly string[]): Promise<void>;

  /** Increments a counter; the first increment starts its `ttlSeconds` window. Returns the new count. */
  increment(key: string, ttlSeconds: number): Promise<number>;

  /** Resolves when the store answers; rejects otherwise (readiness checks). */
  ping(): Promise<void>;

  close(): Promise<void>;
}

/**
 * The same store, but any failure of an operation becomes a StoreUnavailableError: callers fail closed (503,
 * CAS INTERNAL_ERROR) instead of reading a store error as "expired" or "not found".
 */
export function failingClosed(store: KeyValueStore): KeyValueStore {
  const guard =
    <Args extends unknown[], Result>(operation: (...args: Args) => Promise<Result>) =>
    async (...args: Args): Promise<Result> => {
      try {
        return await operation(...args);
      } catch (error) {
        throw error instanceof StoreUnavailableError ? error : new StoreUnavailableError(error);
      }
    };
  return {
    kind: store.kind,
    get: guard(store.get.bind(store)),
    getMany: guard(store.getMany.bind(store)),
    set: guard(store.set.bind(store)),
    take: guard(store.take.bind(store)),
    attach: guard(store.attach.bind(store)),
    delete: guard(store.delete.bind(store)),
    setMembers: guard(store.setMembers.bind(store)),
    deleteSetMembers: guard(store.deleteSetMembers.bind(store)),
    removeSetMembers: guard(store.removeSetMembers.bind(store)),
    increment: guard(store.increment.bind(store)),
    ping: store.ping.bind(store),
    close: store.close.bind(store),
  };
}
