// The only reader of process.env: parses and validates every setting once at boot. Each problem names the
// variable, what it expects and what it got; all problems are reported together.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';

export type Locale = 'zh-CN' | 'en';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface RateLimitRule {
  points: number;
  durationSeconds: number;
}

export interface Config {
  production: boolean;
  port: number;
  host: string;
  issuer: string;
  dataDir: string;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  /** Prefix of every Redis key, so one Redis can serve several deployments (or a benchmark) side by side. */
  redisKeyPrefix: string;
  clientsFile: string;
  trustProxy: boolean;
  logLevel: LogLevel;
  /** Cookie signing keys, newest first; undefined = generate and keep them in the database. */
  cookieKeys: string[] | undefined;
  defaultLocale: Locale;
  signingAlg: 'ES256' | 'RS256';
  cas: {
    /** Service and proxy ticket lifetime (CAS 3.0: at most 5 minutes). */
    ticketTtlSeconds: number;
    /** A second path prefix serving the same CAS endpoints, e.g. /authserver for systems built against it. */
    compatPrefix: string | undefined;
    /** Extra CA certificates (PEM) trusted for proxy callbacks (CAS_PROXY_CA_FILE), e.g. the campus CA. */
    proxyCa: string | undefined;
  };
  /** Bearer token that may read /metrics; undefined = no metrics endpoint. */
  metricsToken: string | undefined;
  /** User types that always need a second factor, e.g. ["staff"]. */
  mfaRequiredUserTypes: string[];
  /** How long "trust this browser" lasts. */
  deviceTrustDays: number;
  /** 32-byte key sealing TOTP seeds (MFA_ENCRYPTION_KEY, base64); undefined = a key file kept in DATA_DIR. */
  factorKey: Buffer | undefined;
  /** Host names the IdP may call although they resolve to private or loopback addresses (campus-internal apps). */
  outboundPrivateHosts: string[];
  loginRateLimit: { perAccount: RateLimitRule; perIp: RateLimitRule };
  ttl: { sessionSeconds: number; refreshTokenSeconds: number; accessTokenSeconds: number };
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const read = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === '' ? undefined : value;
  };

  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) {
      problems.push(`${name} must be a whole number from ${min} to ${max} (got "${raw}")`);
      return fallback;
    }
    return value;
  };

  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T => {
    const raw = read(name);
    if (raw === undefined) return fallback;
    if (!(allowed as readonly string[]).includes(raw)) {
      problems.push(`${name} must be one of ${allowed.join(', ')} (got "${raw}")`);
      return fallback;
    }
    return raw as T;
  };

  const boolean = (name: string, fallback: boolean): boolean => {
    const raw = read(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
    if (['0', 'false', 'no', 'off'].includes(raw)) return false;
    problems.push(`${name} must be true or false (got "${raw}")`);
    return fallback;
  };

  const url = (name: string, protocols: string[]): string | undefined => {
    const raw = read(name);
    if (raw === undefined) return undefined;
    try {
      const parsed = new URL(raw);
      if (!protocols.includes(parsed.protocol)) {
        problems.push(`${name} must be a ${protocols.join(' or ')} URL (got a ${parsed.protocol} URL)`);
      }
    } catch {
      problems.push(`${name} must be a URL such as ${protocols[0]}//host:port/… (got something that is not a URL)`);
    }
    return raw;
  };

  const casPrefix = (raw: string | undefined): string | undefined => {
    if (raw === undefined) return undefined;
    const prefix = raw.replace(/\/+$/, '');
    if (!/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix) || ['/cas', '/auth', '/interaction', '/token'].includes(prefix)) {
      problems.push(`CAS_COMPAT_PREFIX must be a path such as /authserver, not one the server already uses (got "${raw}")`);
      return undefined;
    }
    return prefix;
  };

  const pemFile = (name: string): string | undefined => {
    const path = read(name);
    if (path === undefined) return undefined;
    try {
      const text = readFileSync(path, 'utf8');
      if (!text.includes('-----BEGIN CERTIFICATE-----')) problems.push(`${name} must name a PEM file of certificates (${path} holds none)`);
      return text;
    } catch (error) {
      problems.push(`${name} names ${path}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      return undefined;
    }
  };

  const factorKey = (): Buffer | undefined => {
    const raw = read('MFA_ENCRYPTION_KEY');
    if (raw === undefined) return undefined;
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32) problems.push('MFA_ENCRYPTION_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
    return key;
  };

  const production = read('NODE_ENV') === 'production';
  const port = integer('PORT', 3000, 0, 65535);
  const host = read('HOST') ?? '0.0.0.0';

  let issuer = read('ISSUER') ?? `http://localhost:${port}`;
  try {
    const parsed = new URL(issuer);
    if (!['http:', 'https:'].includes(parsed.protocol) || parsed.search || parsed.hash) {
      problems.push(`ISSUER must be an http(s) URL without query or fragment (got "${issuer}")`);
    }
    if (production && parsed.protocol !== 'https:') {
      problems.push(`ISSUER must use https when NODE_ENV=production (got "${issuer}")`);
    }
    issuer = issuer.replace(/\/+$/, '');
  } catch {
    problems.push(`ISSUER must be a URL such as https://idp.example.edu (got "${issuer}")`);
  }

  const cookieKeysRaw = read('COOKIE_KEYS');
  let cookieKeys: string[] | undefined;
  if (cookieKeysRaw !== undefined) {
    cookieKeys = cookieKeysRaw.split(',').map((key) => key.trim()).filter(Boolean);
    if (cookieKeys.some((key) => key.length < 32)) {
      problems.push('COOKIE_KEYS must be a comma-separated list of secrets of at least 32 characters each');
    }
  }

  const config: Config = {
    production,
    port,
    host,
    issuer,
    dataDir: resolve(read('DATA_DIR') ?? './data'),
    databaseUrl: url('DATABASE_URL', ['postgres:', 'postgresql:']),
    redisUrl: url('REDIS_URL', ['redis:', 'rediss:']),
    redisKeyPrefix: read('REDIS_KEY_PREFIX') ?? 'campus-idp:',
    clientsFile: resolve(read('CLIENTS_FILE') ?? './clients.json'),
    trustProxy: boolean('TRUST_PROXY', false),
    logLevel: oneOf('LOG_LEVEL', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], 'info'),
    cookieKeys,
    defaultLocale: oneOf('DEFAULT_LOCALE', ['zh-CN', 'en'], 'zh-CN'),
    signingAlg: oneOf('SIGNING_ALG', ['ES256', 'RS256'], 'ES256'),
    cas: {
      ticketTtlSeconds: integer('CAS_TICKET_TTL', 10, 1, 300),
      compatPrefix: casPrefix(read('CAS_COMPAT_PREFIX')),
      proxyCa: pemFile('CAS_PROXY_CA_FILE'),
    },
    factorKey: factorKey(),
    deviceTrustDays: integer('DEVICE_TRUST_DAYS', 30, 1, 365),
    metricsToken: (() => {
      const token = read('METRICS_TOKEN');
      if (token !== undefined && token.length < 16) problems.push('METRICS_TOKEN must be at least 16 characters');
      return token;
    })(),
    mfaRequiredUserTypes: (read('MFA_REQUIRED_USER_TYPES') ?? '').split(',').map((type) => type.trim()).filter(Boolean),
    outboundPrivateHosts: (read('OUTBOUND_PRIVATE_HOSTS') ?? '').split(',').map((host) => host.trim().toLowerCase()).filter(Boolean),
    loginRateLimit: {
      perAccount: {
        points: integer('LOGIN_LIMIT_PER_ACCOUNT', 10, 1, 10_000),
        durationSeconds: integer('LOGIN_LIMIT_PER_ACCOUNT_WINDOW', 15 * 60, 1, 86_400),
      },
      perIp: {
        points: integer('LOGIN_LIMIT_PER_IP', 100, 1, 1_000_000),
        durationSeconds: integer('LOGIN_LIMIT_PER_IP_WINDOW', 15 * 60, 1, 86_400),
      },
    },
    ttl: {
      sessionSeconds: integer('SESSION_TTL', 8 * 3600, 60, 90 * 86_400),
      refreshTokenSeconds: integer('REFRESH_TOKEN_TTL', 14 * 86_400, 60, 365 * 86_400),
      accessTokenSeconds: integer('ACCESS_TOKEN_TTL', 600, 30, 86_400),
    },
  };

  if (production && !config.factorKey) {
    problems.push('MFA_ENCRYPTION_KEY is required when NODE_ENV=production (it seals second-factor secrets; keep it out of the database)');
  }
  if (production && !config.databaseUrl) {
    problems.push('DATABASE_URL is required when NODE_ENV=production (the embedded PGlite database is for one process only)');
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
