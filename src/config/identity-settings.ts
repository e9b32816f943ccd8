// Identity verification against the registry: the key of the ID numbers' keyed hash (REGISTRY_KEY) and
// self-registration (SELF_REGISTRATION, off by default) with its allowed user types and rate limits.
import type { SettingReader } from './setting-reader.ts';

export interface IdentityConfig {
  /** 32+ byte HMAC key (REGISTRY_KEY, base64); undefined = a key file kept in DATA_DIR. */
  registryKey: Buffer | undefined;
  selfRegistration: {
    enabled: boolean;
    /** The user type given to people who register themselves (SELF_REGISTRATION_USER_TYPE, default student). */
    userType: string;
    /** Registrations (and guardian codes) one IP may start per window. */
    perIp: number;
    windowSeconds: number;
  };
}

export function identitySettings(settings: SettingReader): IdentityConfig {
  const { problems, read, boolean, integer, oneOf } = settings;
  const registryKey = (() => {
    const raw = read('REGISTRY_KEY');
    if (raw === undefined) return undefined;
    const key = Buffer.from(raw, 'base64');
    if (key.length < 32) problems.push('REGISTRY_KEY must be at least 32 random bytes in base64 (e.g. `openssl rand -base64 32`)');
    return key;
  })();
  return {
    registryKey,
    selfRegistration: {
      enabled: boolean('SELF_REGISTRATION', false),
      userType: oneOf('SELF_REGISTRATION_USER_TYPE', ['student', 'guest', 'other'], 'student'),
      perIp: integer('SELF_REGISTRATION_LIMIT_PER_IP', 20, 1, 1_000_000),
      windowSeconds: integer('SELF_REGISTRATION_LIMIT_WINDOW', 3600, 60, 86_400),
    },
  };
}
