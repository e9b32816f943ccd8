// The only reader of process.env: parses and validates every setting once at boot. Each problem names the
// variable, what it expects and what it got; all problems are reported together.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { readSetting } from './env-files.ts';
import { parseNamedNetworks, type NamedNetwork } from '../lib/networks.ts';

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
}

/** WeChat Open Platform website app, official (service) account and WeCom; base URLs are overridable for simulators. */
export interface WechatConfig {
  open: { appId: string; secret: string; authorizeBaseUrl: string; apiBaseUrl: string } | undefined;
  officialAccount: { appId: string; secret: string; token: string; aesKey: string | undefined; apiBaseUrl: string } | undefined;
  wecom: { corpId: string; agentId: string; secret: string; loginBaseUrl: string; apiBaseUrl: string } | undefined;
}

/** Which SMS gateway sends codes (SMS_PROVIDER), its credentials, and the send budgets checked before it is called. */
export type SmsConfig = {
  budgets: { cooldownSeconds: number; perNumberPerDay: number; perAccountPerDay: number; perIpPerDay: number; globalPerDay: number };
} & (
  | { provider: 'memory'; /** SMS_OUTBOX_LOG_CODES: the development outbox logs each code (never in production). */ outboxLogCodes: boolean }
  | { provider: 'tencent'; tencent: { secretId: string; secretKey: string; sdkAppId: string; signName: string; templateId: string; noticeTemplateId?: string; region: string; endpoint: string } }
  | { provider: 'aliyun'; aliyun: { accessKeyId: string; accessKeySecret: string; signName: string; templateCode: string; noticeTemplateCode?: string; endpoint: string } }
);

/** Rules for every new password, and what a sign-in with an existing password that breaks them leads to. */
export interface PasswordPolicyConfig {
  /** PASSWORD_POLICY: nist (15 characters, no class rule) or campus (10 characters, upper, lower, digit, symbol). */
  preset: 'nist' | 'campus';
  /** In Unicode code points after NFKC. */
  minLength: number;
  maxLength: number;
  /** How many of upper case, lower case, digit and symbol a password needs (campus: all 4). */
  requiredClasses: number;
  /** PASSWORD_WEAK_EXISTING: allow the sign-in, make the person change the password first, or disable the account. */
  weakExisting: 'allow' | 'change' | 'disable';
  /** This deployment's own blocked words (PASSWORD_BLOCKLIST_FILE, one a line), e.g. the university's name. */
  extraBlocklist: string[];
}

/** The contact points a person binds on /account/contacts, in their roles. */
export const contactRoles = ['login_phone', 'security_phone', 'recovery_email'] as const;
export type ContactRole = (typeof contactRoles)[number];

export interface ContactsConfig {
  /** The institution's own mail domains (INSTITUTION_EMAIL_DOMAINS), subdomains included: never a recovery email. */
  institutionEmailDomains: string[];
  /** Roles every person must have verified (REQUIRED_CONTACTS); asked for after sign-in. */
  required: ContactRole[];
  /** CONTACT_PROMPT: block = the sign-in cannot finish without them; skip = "Later" for this session. */
  prompt: 'block' | 'skip';
  /** Codes sent by e-mail: resend cooldown and daily budgets (EMAIL_CODE_*). */
  emailBudgets: { cooldownSeconds: number; perNumberPerDay: number; perAccountPerDay: number; perIpPerDay: number; globalPerDay: number };
}

type Env = Record<string, string | undefined>;

export function loadConfig(env: Env = process.env): Config {
  const problems: string[] = [];
  // Every setting may come from NAME or from a file named by NAME_FILE (container secrets).
  const read = (name: string): string | undefined => readSetting(env, name, problems);

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

  const passwordPolicy = (): PasswordPolicyConfig => {
    const preset = oneOf('PASSWORD_POLICY', ['nist', 'campus'], 'nist');
    const defaults = preset === 'campus' ? { minLength: 10, requiredClasses: 4 } : { minLength: 15, requiredClasses: 0 };
    const file = read('PASSWORD_BLOCKLIST_FILE');
    let extraBlocklist: string[] = [];
    if (file !== undefined) {
      try {
        extraBlocklist = readFileSync(file, 'utf8').split(/\r?\n/).map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
      } catch (error) {
        problems.push(`PASSWORD_BLOCKLIST_FILE names ${file}, which cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
      }
    }
    return {
      preset,
      minLength: integer('PASSWORD_MIN_LENGTH', defaults.minLength, 8, 64),
      // 1024 is the hashing module's limit (src/services/password-hashing.ts maxPasswordLength).
      maxLength: integer('PASSWORD_MAX_LENGTH', 128, 64, 1024),
      requiredClasses: defaults.requiredClasses,
      weakExisting: oneOf('PASSWORD_WEAK_EXISTING', ['allow', 'change', 'disable'], 'change'),
      extraBlocklist,
    };
  };

  const sms = (): SmsConfig => {
    const budgets = {
      cooldownSeconds: integer('SMS_RESEND_COOLDOWN', 60, 10, 3600),
      perNumberPerDay: integer('SMS_BUDGET_PER_NUMBER', 10, 1, 1000),
      perAccountPerDay: integer('SMS_BUDGET_PER_ACCOUNT', 10, 1, 1000),
      perIpPerDay: integer('SMS_BUDGET_PER_IP', 30, 1, 1_000_000),
      globalPerDay: integer('SMS_BUDGET_GLOBAL', 20_000, 1, 100_000_000),
    };
    const required = (names: string[]): string[] => {
      const missing = names.filter((name) => read(name) === undefined);
      if (missing.length) problems.push(`SMS_PROVIDER=${read('SMS_PROVIDER')} needs ${missing.join(', ')}`);
      return names.map((name) => read(name) ?? '');
    };
    const provider = oneOf('SMS_PROVIDER', ['memory', 'tencent', 'aliyun'], 'memory');
    const outboxLogCodes = boolean('SMS_OUTBOX_LOG_CODES', false);
    if (outboxLogCodes && read('NODE_ENV') === 'production') {
      problems.push('SMS_OUTBOX_LOG_CODES=true writes live sign-in codes to the log and is refused when NODE_ENV=production; remove it');
    }
    if (provider === 'tencent') {
      const [secretId, secretKey, sdkAppId, signName, templateId] = required(['TENCENT_SMS_SECRET_ID', 'TENCENT_SMS_SECRET_KEY', 'TENCENT_SMS_SDK_APP_ID', 'TENCENT_SMS_SIGN_NAME', 'TENCENT_SMS_TEMPLATE_ID']) as [string, string, string, string, string];
      const endpoint = url('TENCENT_SMS_ENDPOINT', ['https:', 'http:']) ?? 'https://sms.tencentcloudapi.com';
      return { budgets, provider, tencent: { secretId, secretKey, sdkAppId, signName, templateId, noticeTemplateId: read('TENCENT_SMS_NOTICE_TEMPLATE_ID'), region: read('TENCENT_SMS_REGION') ?? 'ap-guangzhou', endpoint } };
    }
    if (provider === 'aliyun') {
      const [accessKeyId, accessKeySecret, signName, templateCode] = required(['ALIYUN_SMS_ACCESS_KEY_ID', 'ALIYUN_SMS_ACCESS_KEY_SECRET', 'ALIYUN_SMS_SIGN_NAME', 'ALIYUN_SMS_TEMPLATE_CODE']) as [string, string, string, string];
      const endpoint = url('ALIYUN_SMS_ENDPOINT', ['https:', 'http:']) ?? 'https://dysmsapi.aliyuncs.com';
      return { budgets, provider, aliyun: { accessKeyId, accessKeySecret, signName, templateCode, noticeTemplateCode: read('ALIYUN_SMS_NOTICE_TEMPLATE_CODE'), endpoint } };
    }
    return { budgets, provider, outboxLogCodes };
  };

  const contacts = (): ContactsConfig => {
    const list = (name: string) => (read(name) ?? '').split(',').map((item) => item.trim().toLowerCase()).filter(Boolean);
    const institutionEmailDomains = list('INSTITUTION_EMAIL_DOMAINS').map((domain) => domain.replace(/^[@.]/, ''));
    const badDomains = institutionEmailDomains.filter((domain) => !/^([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$/.test(domain));
    if (badDomains.length) problems.push(`INSTITUTION_EMAIL_DOMAINS must be a comma-separated list of mail domains such as example.edu,mail.example.edu (not valid: "${badDomains.join('", "')}")`);
    const required = list('REQUIRED_CONTACTS');
    const unknown = required.filter((role) => !(contactRoles as readonly string[]).includes(role));
    if (unknown.length) problems.push(`REQUIRED_CONTACTS must list some of ${contactRoles.join(', ')} (unknown: "${unknown.join('", "')}")`);
    return {
      institutionEmailDomains,
      required: contactRoles.filter((role) => required.includes(role)),
      prompt: oneOf('CONTACT_PROMPT', ['block', 'skip'], 'skip'),
      emailBudgets: {
        cooldownSeconds: integer('EMAIL_CODE_COOLDOWN', 60, 10, 3600),
        perNumberPerDay: integer('EMAIL_BUDGET_PER_ADDRESS', 10, 1, 1000),
        perAccountPerDay: integer('EMAIL_BUDGET_PER_ACCOUNT', 10, 1, 1000),
        perIpPerDay: integer('EMAIL_BUDGET_PER_IP', 30, 1, 1_000_000),
        globalPerDay: integer('EMAIL_BUDGET_GLOBAL', 50_000, 1, 100_000_000),
      },
    };
  };

  const wechat = (): WechatConfig => {
    // A group is on when any of its variables is set; then all its required ones must be.
    const group = (names: string[], optional: string[] = []): string[] | undefined => {
      if (![...names, ...optional].some((name) => read(name) !== undefined)) return undefined;
      const missing = names.filter((name) => read(name) === undefined);
      if (missing.length) {
        problems.push(`${names.join(', ')} go together: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
        return undefined;
      }
      return names.map((name) => read(name) ?? '');
    };
    const baseUrl = (name: string, fallback: string) => (url(name, ['https:', 'http:']) ?? fallback).replace(/\/+$/, '');
    const apiBaseUrl = baseUrl('WECHAT_API_BASE_URL', 'https://api.weixin.qq.com');
    const open = group(['WECHAT_OPEN_APP_ID', 'WECHAT_OPEN_SECRET']);
    const mp = group(['WECHAT_MP_APP_ID', 'WECHAT_MP_SECRET', 'WECHAT_MP_TOKEN'], ['WECHAT_MP_AES_KEY']);
    const wecom = group(['WECOM_CORP_ID', 'WECOM_AGENT_ID', 'WECOM_SECRET']);
    const aesKey = read('WECHAT_MP_AES_KEY');
    if (aesKey !== undefined && !/^[A-Za-z0-9+/]{43}$/.test(aesKey)) {
      problems.push(`WECHAT_MP_AES_KEY must be the 43-character EncodingAESKey from the official account's settings (got ${aesKey.length} characters)`);
    }
    const mpToken = read('WECHAT_MP_TOKEN');
    if (mpToken !== undefined && !/^[A-Za-z0-9]{3,32}$/.test(mpToken)) {
      problems.push('WECHAT_MP_TOKEN must be 3 to 32 letters or digits, as WeChat requires for the server Token');
    }
    return {
      open: open && { appId: open[0]!, secret: open[1]!, authorizeBaseUrl: baseUrl('WECHAT_OPEN_BASE_URL', 'https://open.weixin.qq.com'), apiBaseUrl },
      officialAccount: mp && { appId: mp[0]!, secret: mp[1]!, token: mp[2]!, aesKey, apiBaseUrl },
      wecom: wecom && {
        corpId: wecom[0]!, agentId: wecom[1]!, secret: wecom[2]!,
        loginBaseUrl: baseUrl('WECOM_LOGIN_BASE_URL', 'https://login.work.weixin.qq.com'),
        apiBaseUrl: baseUrl('WECOM_API_BASE_URL', 'https://qyapi.weixin.qq.com'),
      },
    };
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
    sms: sms(),
    passwordPolicy: passwordPolicy(),
    passwordReset: {
      keepSessionsAllowed: boolean('RESET_KEEP_SESSIONS_ALLOWED', false),
      startsPerId: integer('RESET_LIMIT_PER_ID', 5, 1, 1000),
      startsPerIp: integer('RESET_LIMIT_PER_IP', 30, 1, 1_000_000),
      attemptsPerId: integer('RESET_CODE_ATTEMPTS_PER_ID', 10, 1, 1000),
      attemptsPerIp: integer('RESET_CODE_ATTEMPTS_PER_IP', 100, 1, 1_000_000),
      windowSeconds: integer('RESET_LIMIT_WINDOW', 3600, 60, 86_400),
      captchaMaxNumber: integer('CAPTCHA_MAX_NUMBER', 100_000, 1000, 10_000_000),
    },
    contacts: contacts(),
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
    wechat: wechat(),
  };

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
