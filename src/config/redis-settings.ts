// REDIS_SENTINELS, REDIS_SENTINEL_NAME, REDIS_SENTINEL_PASSWORD: reach the Redis master through Redis Sentinel
// (src/data/redis-connection.ts). REDIS_URL stays required: it gives the password, database and TLS.
import type { SettingReader } from './setting-reader.ts';

export interface RedisSentinelSettings {
  sentinels: { host: string; port: number }[];
  /** The master group name the sentinels monitor. */
  name: string;
  /** For sentinels that require AUTH. */
  password?: string;
}

export function redisSentinelSettings({ read, problems }: Pick<SettingReader, 'read' | 'problems'>): RedisSentinelSettings | undefined {
  const raw = read('REDIS_SENTINELS');
  if (raw === undefined) return undefined;
  if (read('REDIS_URL') === undefined) problems.push('REDIS_SENTINELS needs REDIS_URL too (its host is ignored; it gives the password, database and TLS), e.g. redis://:password@campus-idp/0');
  const sentinels = parseSentinels(raw, problems);
  if (!sentinels.length) problems.push('REDIS_SENTINELS lists no sentinel');
  return { sentinels, name: read('REDIS_SENTINEL_NAME') ?? 'campus-idp', password: read('REDIS_SENTINEL_PASSWORD') };
}

/** REDIS_SENTINELS ("host:port,host:port") → the list, with a problem for each entry that is not host:port. */
export function parseSentinels(raw: string, problems: string[]): { host: string; port: number }[] {
  return raw.split(',').map((entry) => entry.trim()).filter(Boolean).flatMap((entry) => {
    const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65_535) {
      problems.push(`REDIS_SENTINELS must list sentinels as host:port separated by commas (got "${entry}")`);
      return [];
    }
    return [{ host: match[1]!.replace(/^\[|\]$/g, ''), port }];
  });
}
