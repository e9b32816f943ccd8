// NODE_ENV=production refuses development and placeholder secrets, naming each variable; development accepts them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';
import { parseClients } from './clients.ts';

const production = {
  NODE_ENV: 'production',
  ISSUER: 'https://idp.example.edu',
  DATABASE_URL: 'postgresql://idp@db/idp',
  MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
  COOKIE_KEYS: randomBytes(24).toString('base64url'), REGISTRY_KEY: randomBytes(32).toString('base64'),
};

const problemsOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env);
    return '';
  } catch (error) {
    return (error as Error).message;
  }
};

describe('production secrets', () => {
  it('starts with generated secrets', () => {
    expect(problemsOf(production)).toBe('');
    expect(problemsOf({ ...production, COOKIE_KEYS: `${randomBytes(24).toString('base64url')},${randomBytes(32).toString('hex')}`, METRICS_TOKEN: randomBytes(16).toString('hex') })).toBe('');
  });

  it('requires COOKIE_KEYS instead of keeping a generated key', () => {
    const { COOKIE_KEYS: _, ...withoutCookieKeys } = production;
    expect(problemsOf(withoutCookieKeys)).toMatch(/COOKIE_KEYS is required when NODE_ENV=production/);
    expect(() => loadConfig({ ...withoutCookieKeys, NODE_ENV: 'development' })).not.toThrow();
  });

  it('requires REGISTRY_KEY, so every instance and the CLI hash ID numbers alike', () => {
    const { REGISTRY_KEY: _, ...withoutRegistryKey } = production;
    expect(problemsOf(withoutRegistryKey)).toMatch(/REGISTRY_KEY is required when NODE_ENV=production/);
    expect(problemsOf({ ...production, REGISTRY_KEY: Buffer.alloc(32, 1).toString('base64') })).toMatch(/REGISTRY_KEY is not random bytes/);
  });

  it('refuses placeholders and keys without variety, naming each variable', () => {
    const message = problemsOf({
      ...production,
      COOKIE_KEYS: `${randomBytes(24).toString('base64url')},change-me-change-me-change-me-change-me`,
      MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64'),
      METRICS_TOKEN: 'aaaaaaaaaaaaaaaaaaaa',
    });
    expect(message).toMatch(/COOKIE_KEYS entry 2 looks like a placeholder/);
    expect(message).toMatch(/MFA_ENCRYPTION_KEY is not random bytes/);
    expect(message).toMatch(/METRICS_TOKEN has fewer than 8 different characters/);
    expect(() => loadConfig({ COOKIE_KEYS: 'dev-secret-dev-secret-dev-secret-00', MFA_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64') })).not.toThrow();
  });

  it('refuses a placeholder client secret in production only', () => {
    const clients = { oidc: [{ client_id: 'webmail', client_secret_env: 'WEBMAIL_SECRET', redirect_uris: ['https://mail.example.edu/cb'] }] };
    const env = { WEBMAIL_SECRET: 'example-client-secret-0123456789abcdef' };
    expect(() => parseClients(clients, 'clients.json', env, true)).toThrow(/WEBMAIL_SECRET looks like a placeholder[\s\S]*refused when NODE_ENV=production/);
    expect(() => parseClients(clients, 'clients.json', env, false)).not.toThrow();
    expect(() => parseClients(clients, 'clients.json', { WEBMAIL_SECRET: randomBytes(24).toString('base64url') }, true)).not.toThrow();
  });

  it('checks a secret read from a _FILE the same way', () => {
    const dir = mkdtempSync(join(tmpdir(), 'campus-idp-secrets-'));
    const path = join(dir, 'cookie-keys');
    writeFileSync(path, 'replace-me-with-32-random-characters!!\n');
    const { COOKIE_KEYS: _, ...rest } = production;
    expect(problemsOf({ ...rest, COOKIE_KEYS_FILE: path })).toMatch(/COOKIE_KEYS entry 1 looks like a placeholder/);
  });
});
