// The only reader of process.env: parses and validates every setting once at boot (feature groups in the
// *-settings.ts files beside it). Each problem names the variable; all problems are reported together.
import { resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { settingReader, type Env } from './setting-reader.ts';
import { smsSettings, type SmsConfig } from './sms-settings.ts';
import { passwordPolicySettings, type PasswordPolicyConfig } from './password-settings.ts';
import { contactsSettings, contactRoles, type ContactRole, type ContactsConfig } from './contacts-settings.ts';
import { wechatSettings, type WechatConfig } from './wechat-settings.ts';
import { appealSettings, type AppealsConfig } from './appeal-settings.ts';
import { identitySettings, type IdentityConfig } from './identity-settings.ts';
import { productionSecretProblems } from './production-secrets.ts';
import { redisSentinelSettings, type RedisSentinelSettings } from './redis-settings.ts';
import { parseNamedNetworks, type NamedNetwork } from '../lib/networks.ts';

export { contactRoles, type ContactRole, type ContactsConfig, type PasswordPolicyConfig, type SmsConfig, type WechatConfig };

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
  /** REDIS_SENTINELS / REDIS_SENTINEL_NAME / REDIS_SENTINEL_PASSWORD: reach the Redis master through Sentinel. */
  redisSentinel: RedisSentinelSettings | undefined;
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
  email: {
    /** smtp://user:pass@host:587 or smtps://…:465; undefined = the development outbox (nothing leaves the server). */
    smtpUrl: string | undefined;
    /** Header From, e.g. `campus-idp <no-reply@example.edu>`. */
    from: string;
  };
  /** User types that always need a second factor, e.g. ["staff"]. */
  mfaRequiredUserTypes: string[];
  /** How long "trust this browser" lasts. */
  deviceTrustDays: number;
  /** Risk rule: a person who has a second factor is asked for it on a browser that has never passed it. */
  mfaUnknownBrowser: boolean;
  /** 32-byte key sealing TOTP seeds (MFA_ENCRYPTION_KEY, base64); undefined = a key file kept in DATA_DIR. */
  factorKey: Buffer | undefined;
  /** Host names the IdP may call although they resolve to private or loopback addresses (campus-internal apps). */
  outboundPrivateHosts: string[];
  loginRateLimit: { perAccount: RateLimitRule; perIp: RateLimitRule };
  sms: SmsConfig;
  passwordPolicy: PasswordPolicyConfig;
  /** Self-service password reset (/forgot-password). */
  passwordReset: {
    /** RESET_KEEP_SESSIONS_ALLOWED: the person may choose to stay signed in elsewhere after a reset. */
    keepSessionsAllowed: boolean;
    /** Resets started per login ID and per IP, and codes tried per login ID and per IP, in `windowSeconds`. */
    startsPerId: number;
    startsPerIp: number;
    attemptsPerId: number;
    attemptsPerIp: number;
    windowSeconds: number;
    /** Proof-of-work size of the captcha: the browser tries on average half this many hashes. */
    captchaMaxNumber: number;
  };
  contacts: ContactsConfig;
  /** Passkeys: the RP ID (the ISSUER host or a domain it belongs to) and the name authenticators show. The one
   * accepted origin is the ISSUER's. */
  webauthn: { rpId: string; rpName: string };
  ttl: { sessionSeconds: number; refreshTokenSeconds: number; accessTokenSeconds: number };
  /** Security events (auth_event) older than this are deleted, at start and daily (AUDIT_RETENTION_DAYS). */
  auditRetentionDays: number;
  /** Named address ranges shown as the "place" of a session (CAMPUS_NETWORKS); no GeoIP is used. */
  campusNetworks: NamedNetwork[];
  /** Scan-to-confirm sign-in (QR_LOGIN) and the kiosk device grant (DEVICE_FLOW); limits per IP address. */
  qrLogin: {
    enabled: boolean;
    /** Life of one QR token and its typed code (QR_TOKEN_TTL, at most 120 s); the page fetches a new one before. */
    tokenSeconds: number;
    /** QR codes one IP may create per window (QR_LIMIT_PER_IP). */
    startsPerIp: number;
    /** Scans, typed codes and decisions one IP may make per window (QR_APPROVALS_PER_IP). */
    approvalsPerIp: number;
    windowSeconds: number;
    deviceFlow: boolean;
  };
  /** Sign-in with WeChat and WeCom; each part is undefined (and its button hidden) until its credentials are set. */
  wechat: WechatConfig;
  /** Lost-phone appeals: document retention and upload limits (appeal-settings.ts). */
  appeals: AppealsConfig;
  /** Identity verification against the registry and self-registration (identity-settings.ts). */
  identity: IdentityConfig;
}

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  const settings = settingReader(env, problems);
  const { read, integer, oneOf, boolean, url, pemFile } = settings;

  const casPrefix = (raw: string | undefined): string | undefined => {
    if (raw === undefined) return undefined;
    const prefix = raw.replace(/\/+$/, '');
    if (!/^\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(prefix) || ['/cas', '/auth', '/interaction', '/token'].includes(prefix)) {
      problems.push(`CAS_COMPAT_PREFIX must be a path such as /authserver, not one the server already uses (got "${raw}")`);
      return undefined;
    }
    return prefix;
  };

  const factorKey = (): Buffer | undefined => {
    const raw = read('MFA_ENCRYPTION_KEY');
    if (raw === undefined) return undefined;
    const key = Buffer.from(raw, 'base64');
    if (key.length !== 32) problems.push('MFA_ENCRYPTION_KEY must be 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
    return key;
  };

  const webauthn = (issuerUrl: string): Config['webauthn'] => {
    let host = '';
    try {
      host = new URL(issuerUrl).hostname.toLowerCase();
    } catch {
      // ISSUER's own problem is reported below.
    }
    const explicit = read('WEBAUTHN_RP_ID')?.toLowerCase();
    // Browsers accept the page's host or a suffix of it on a label boundary, never an IP address or a bare TLD.
    // (An ISSUER that is an IP address leaves passkeys unusable; that is only an error when asked for explicitly.)
    if (explicit !== undefined && host && explicit !== host && (!host.endsWith(`.${explicit}`) || !explicit.includes('.'))) {
      problems.push(`WEBAUTHN_RP_ID must be the ISSUER host ${host} or a domain it belongs to, such as example.edu (got "${explicit}")`);
    } else if (explicit !== undefined && /^[\d.]+$|[:[\]]/.test(explicit)) {
      problems.push(`WEBAUTHN_RP_ID must be a domain name, not an IP address (got "${explicit}")`);
    }
    return { rpId: explicit ?? host, rpName: read('WEBAUTHN_RP_NAME') ?? 'campus-idp' };
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
    redisSentinel: redisSentinelSettings(settings),
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
    email: {
      smtpUrl: url('SMTP_URL', ['smtp:', 'smtps:']),
      from: (() => {
        const from = read('SMTP_FROM') ?? 'campus-idp <no-reply@localhost>';
        if (!/^[^\s@<>]+@[^\s@<>]+$|<[^\s@<>]+@[^\s@<>]+>$/.test(from)) problems.push(`SMTP_FROM must be an address such as "campus-idp <no-reply@example.edu>" (got "${from}")`);
        return from;
      })(),
    },
    deviceTrustDays: integer('DEVICE_TRUST_DAYS', 30, 1, 365),
    mfaUnknownBrowser: boolean('MFA_UNKNOWN_BROWSER', false),
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
    webauthn: webauthn(issuer),
    sms: smsSettings(settings),
    passwordPolicy: passwordPolicySettings(settings),
    passwordReset: {
      keepSessionsAllowed: boolean('RESET_KEEP_SESSIONS_ALLOWED', false),
      startsPerId: integer('RESET_LIMIT_PER_ID', 5, 1, 1000),
      startsPerIp: integer('RESET_LIMIT_PER_IP', 30, 1, 1_000_000),
      attemptsPerId: integer('RESET_CODE_ATTEMPTS_PER_ID', 10, 1, 1000),
      attemptsPerIp: integer('RESET_CODE_ATTEMPTS_PER_IP', 100, 1, 1_000_000),
      windowSeconds: integer('RESET_LIMIT_WINDOW', 3600, 60, 86_400),
      captchaMaxNumber: integer('CAPTCHA_MAX_NUMBER', 100_000, 1000, 10_000_000),
    },
    contacts: contactsSettings(settings),
    ttl: {
      sessionSeconds: integer('SESSION_TTL', 8 * 3600, 60, 90 * 86_400),
      refreshTokenSeconds: integer('REFRESH_TOKEN_TTL', 14 * 86_400, 60, 365 * 86_400),
      accessTokenSeconds: integer('ACCESS_TOKEN_TTL', 600, 30, 86_400),
    },
    auditRetentionDays: integer('AUDIT_RETENTION_DAYS', 365, 1, 3650),
    campusNetworks: (() => {
      const parsed = parseNamedNetworks(read('CAMPUS_NETWORKS'));
      problems.push(...parsed.problems.map((problem) => `CAMPUS_NETWORKS: ${problem}`));
      return parsed.networks;
    })(),
    qrLogin: {
      enabled: boolean('QR_LOGIN', true),
      tokenSeconds: integer('QR_TOKEN_TTL', 120, 5, 120),
      startsPerIp: integer('QR_LIMIT_PER_IP', 120, 1, 1_000_000),
      approvalsPerIp: integer('QR_APPROVALS_PER_IP', 30, 1, 1_000_000),
      windowSeconds: integer('QR_LIMIT_WINDOW', 600, 60, 86_400),
      deviceFlow: boolean('DEVICE_FLOW', true),
    },
    wechat: wechatSettings(settings),
    appeals: appealSettings(settings),
    identity: identitySettings(settings),
  };

  if (production) problems.push(...productionSecretProblems({ ...config, registryKey: config.identity.registryKey }));
  if (production && !config.factorKey) {
    problems.push('MFA_ENCRYPTION_KEY is required when NODE_ENV=production (it seals second-factor secrets; keep it out of the database)');
  }
  if (production && !config.databaseUrl) {
    problems.push('DATABASE_URL is required when NODE_ENV=production (the embedded PGlite database is for one process only)');
  }

  if (production && config.sms.provider === 'memory' && config.contacts.required.some((role) => role !== 'recovery_email')) {
    problems.push(`REQUIRED_CONTACTS=${config.contacts.required.join(',')} asks for a phone, which needs SMS_PROVIDER (tencent or aliyun) when NODE_ENV=production`);
  }

  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
  }
  return config;
}
