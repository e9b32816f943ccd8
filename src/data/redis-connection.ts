// How every Redis client of the server connects: straight to REDIS_URL, or through Redis Sentinel when
// REDIS_SENTINELS lists sentinels (they name the current master of REDIS_SENTINEL_NAME; after a failover ioredis
// asks them again and reconnects). REDIS_URL still gives the password, user, database and TLS (rediss:).
import { Redis, type RedisOptions } from 'ioredis';
import type { RedisSentinelSettings } from '../config/redis-settings.ts';

export interface RedisTarget {
  url: string;
  sentinel?: RedisSentinelSettings;
}

export function connectRedis(target: RedisTarget, options: RedisOptions): Redis {
  if (!target.sentinel) return new Redis(target.url, options);
  const url = new URL(target.url);
  return new Redis({
    ...options,
    sentinels: target.sentinel.sentinels,
    name: target.sentinel.name,
    sentinelPassword: target.sentinel.password,
    username: url.username ? decodeURIComponent(url.username) : undefined,
    password: url.password ? decodeURIComponent(url.password) : undefined,
    db: Number(url.pathname.slice(1) || 0),
    tls: url.protocol === 'rediss:' ? {} : undefined,
  });
}
