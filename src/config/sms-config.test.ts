// SMS_OUTBOX_LOG_CODES: the development outbox logs codes only when asked, and never in production.
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';

const production = { NODE_ENV: 'production', ISSUER: 'https://idp.example.edu', DATABASE_URL: 'postgresql://idp@db/idp', MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'), COOKIE_KEYS: randomBytes(24).toString('base64url'), REGISTRY_KEY: randomBytes(32).toString('base64') };

describe('SMS_OUTBOX_LOG_CODES', () => {
  it('is off by default, in development too', () => {
    expect(loadConfig({}).sms).toMatchObject({ provider: 'memory', outboxLogCodes: false });
    expect(loadConfig({ NODE_ENV: 'development' }).sms).toMatchObject({ provider: 'memory', outboxLogCodes: false });
  });

  it('turns on when set to true', () => {
    expect(loadConfig({ SMS_OUTBOX_LOG_CODES: 'true' }).sms).toMatchObject({ provider: 'memory', outboxLogCodes: true });
  });

  it('is refused in production with a message naming it, and a bad value is named too', () => {
    expect(() => loadConfig(production)).not.toThrow();
    expect(() => loadConfig({ ...production, SMS_OUTBOX_LOG_CODES: 'true' })).toThrow(/SMS_OUTBOX_LOG_CODES=true writes live sign-in codes to the log and is refused when NODE_ENV=production/);
    expect(() => loadConfig({ SMS_OUTBOX_LOG_CODES: 'maybe' })).toThrow(/SMS_OUTBOX_LOG_CODES must be true or false/);
  });
});
