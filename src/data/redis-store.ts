// The key-value store on Redis (ioredis 5). Every operation is one round trip: plain commands, or a Lua script
// where several steps must happen atomically. Requests fail fast when Redis is away (bounded retries, no
// offline queue), so callers fail closed instead of hanging.
import { Redis } from 'ioredis';
import type { KeyValueStore } from './kv-store.ts';
import type { RedisSentinelSettings } from '../config/redis-settings.ts';
import { connectRedis } from './redis-connection.ts';

const scripts = {
  // KEYS[1] = key, KEYS[2..] = sets; ARGV[1] = value, ARGV[2] = ttl seconds or 0, ARGV[3..] = members
  setIndexed: `
    local ttl = tonumber(ARGV[2])
    if ttl > 0 then redis.call('SET', KEYS[1], ARGV[1], 'EX', ttl) else redis.call('SET', KEYS[1], ARGV[1]) end
    for i = 2, #KEYS do
      redis.call('SADD', KEYS[i], ARGV[i + 1])
      local current = redis.call('TTL', KEYS[i])
      if ttl <= 0 then
        redis.call('PERSIST', KEYS[i])
      elseif current ~= -1 and current < ttl then
        redis.call('EXPIRE', KEYS[i], ttl)
      end
    end
    return 1`,
  // KEYS[1] = key, KEYS[2] = companion; ARGV[1] = value
  attach: `
    local ttl = redis.call('PTTL', KEYS[1])
    if ttl == -2 then return 0 end
    if ttl > 0 then redis.call('SET', KEYS[2], ARGV[1], 'PX', ttl) else redis.call('SET', KEYS[2], ARGV[1]) end
    return 1`,
  // KEYS[1] = set; members are full key names
  deleteSetMembers: `
    local members = redis.call('SMEMBERS', KEYS[1])
    for _, member in ipairs(members) do redis.call('DEL', member) end
    redis.call('DEL', KEYS[1])
    return #members`,
  // KEYS[1] = counter; ARGV[1] = window seconds
  increment: `
    local n = redis.call('INCR', KEYS[1])
    if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
    return n`,
};

type ScriptedRedis = Redis & {
  setIndexed(numKeys: number, ...args: (string | number)[]): Promise<number>;
  attach(key: string, companion: string, value: string): Promise<number>;
  deleteSetMembers(set: string): Promise<number>;
  incrementWindow(key: string, ttl: number): Promise<number>;
};

export interface RedisStoreOptions {
  url: string;
  /** Reach the master through Redis Sentinel (src/data/redis-connection.ts). */
  sentinel?: RedisSentinelSettings;
  /** Prepended to every key (members of sets hold full, prefixed key names). */
  keyPrefix?: string;
}

export async function createRedisStore(options: RedisStoreOptions): Promise<KeyValueStore> {
  const prefix = options.keyPrefix ?? 'campus-idp:';
  const redis = connectRedis(options, {
    lazyConnect: true,
    maxRetriesPerRequest: 2,
    connectTimeout: 5_000,
    commandTimeout: 5_000,
    enableOfflineQueue: false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
    // Commands issued in the same tick (concurrent requests, the provider's parallel token lookups) leave in one
    // write: fewer syscalls per request. Each command stays atomic and in order; only the batching changes.
    enableAutoPipelining: true,
  }) as ScriptedRedis;
  redis.defineCommand('setIndexed', { lua: scripts.setIndexed });
  redis.defineCommand('attach', { numberOfKeys: 2, lua: scripts.attach });
  redis.defineCommand('deleteSetMembers', { numberOfKeys: 1, lua: scripts.deleteSetMembers });
  redis.defineCommand('incrementWindow', { numberOfKeys: 1, lua: scripts.increment });
  // Errors surface on the commands; without a listener ioredis would also print them unhandled.
  redis.on('error', () => {});
  await redis.connect();

  const k = (key: string) => prefix + key;
  const orUndefined = (value: string | null) => (value === null ? undefined : value);

  return {
    kind: 'redis',
    async get(key) {
      return orUndefined(await redis.get(k(key)));
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await redis.mget(keys.map(k))).map(orUndefined);
    },
    async set(key, value, ttlSeconds, addToSets = []) {
      const ttl = ttlSeconds === undefined ? 0 : Math.max(1, Math.ceil(ttlSeconds));
      if (addToSets.length === 0) {
        if (ttl > 0) await redis.set(k(key), value, 'EX', ttl);
        else await redis.set(k(key), value);
        return;
      }
      await redis.setIndexed(
        1 + addToSets.length,
        k(key),
        ...addToSets.map((entry) => k(entry.setKey)),
        value,
        ttl,
        ...addToSets.map((entry) => k(entry.member)),
      );
    },
    async take(key) {
      return orUndefined(await redis.getdel(k(key)));
    },
    async attach(key, companionKey, value) {
      return (await redis.attach(k(key), k(companionKey), value)) === 1;
    },
    async delete(keys) {
      if (keys.length) await redis.del(...keys.map(k));
    },
    async setMembers(setKey) {
      // Members hold full key names; hand them back without our prefix.
      return (await redis.smembers(k(setKey))).map((member) => (member.startsWith(prefix) ? member.slice(prefix.length) : member));
    },
    async deleteSetMembers(setKey) {
      await redis.deleteSetMembers(k(setKey));
    },
    async removeSetMembers(setKey, members) {
      if (members.length) await redis.srem(k(setKey), ...members.map(k));
    },
    async increment(key, ttlSeconds) {
      return redis.incrementWindow(k(key), Math.max(1, Math.ceil(ttlSeconds)));
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
