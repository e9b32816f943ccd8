// Configuration is validated once at boot, and every problem names what to fix.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';
import { parseClients } from './clients.ts';
import { ConfigError } from '../lib/errors.ts';

describe('loadConfig', () => {
  it('gives the documented defaults on an empty environment', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.issuer).toBe('http://localhost:3000');
    expect(config.databaseUrl).toBeUndefined();
    expect(config.redisUrl).toBeUndefined();
    expect(config.dataDir.endsWith('/data')).toBe(true);
    expect(config.trustProxy).toBe(false);
  });

  it('derives the issuer from PORT and strips a trailing slash from ISSUER', () => {
    expect(loadConfig({ PORT: '8443' }).issuer).toBe('http://localhost:8443');
    expect(loadConfig({ ISSUER: 'https://idp.example.edu/' }).issuer).toBe('https://idp.example.edu');
  });

  it('reports every bad variable by name, at once', () => {
    let message = '';
    try {
      loadConfig({ PORT: 'eighty', REDIS_URL: 'http://cache', LOG_LEVEL: 'loud', TRUST_PROXY: 'maybe' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/PORT must be a whole number/);
    expect(message).toMatch(/REDIS_URL must be a redis: or rediss: URL/);
    expect(message).toMatch(/LOG_LEVEL must be one of/);
    expect(message).toMatch(/TRUST_PROXY must be true or false/);
  });

  it('refuses production without https and without a database server', () => {
    expect(() => loadConfig({ NODE_ENV: 'production', ISSUER: 'http://idp.example.edu' })).toThrow(/ISSUER must use https[\s\S]*DATABASE_URL is required/);
  });

  it('refuses short cookie keys', () => {
    expect(() => loadConfig({ COOKIE_KEYS: 'short' })).toThrow(/COOKIE_KEYS/);
  });
});

describe('clients.json', () => {
  const env = { APP_SECRET: 's'.repeat(40) };
  const good = { client_id: 'app', client_secret_env: 'APP_SECRET', redirect_uris: ['https://app.example.edu/cb'] };

  it('resolves a secret from the named environment variable', () => {
    const clients = parseClients({ oidc: [good], cas: [] }, 'clients.json', env, false);
    expect(clients.oidc[0]?.metadata.client_secret).toBe(env.APP_SECRET);
    expect(clients.oidc[0]?.metadata).not.toHaveProperty('client_secret_env');
  });

  it('names the entry and field of each problem', () => {
    const bad = {
      oidc: [
        good,
        { client_id: 'app', client_secret_env: 'MISSING_SECRET', redirect_uris: ['http://evil.example/cb'] },
        { client_id: 'inline', client_secret: 'oops', token_endpoint_auth_method: 'none', redirect_uris: ['https://x.example/#frag'] },
      ],
    };
    const run = () => parseClients(bad, 'clients.json', env, false);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(/oidc\[1\] \(client_id "app"\) field "client_id": duplicate/);
    expect(run).toThrow(/oidc\[1\] \(client_id "app"\) field "client_secret_env": environment variable MISSING_SECRET \(or MISSING_SECRET_FILE\) is not set/);
    expect(run).toThrow(/oidc\[1\] \(client_id "app"\) field "redirect_uris\[0\]": must use https/);
    expect(run).toThrow(/oidc\[2\] \(client_id "inline"\) field "client_secret": secrets must not be written/);
    expect(run).toThrow(/oidc\[2\] \(client_id "inline"\) field "redirect_uris\[0\]": must not contain a fragment/);
  });

  it('accepts loopback http redirects for development', () => {
    const local = { client_id: 'dev', token_endpoint_auth_method: 'none', redirect_uris: ['http://127.0.0.1:8080/cb'] };
    expect(parseClients({ oidc: [local] }, 'clients.json', {}, false).oidc).toHaveLength(1);
  });

  it('parses the clients.json shipped with the project', async () => {
    const { loadClientsFile } = await import('./clients.ts');
    const shipped = loadClientsFile(new URL('../../clients.json', import.meta.url).pathname, {}, false);
    expect(shipped.oidc.map((client) => client.metadata.client_id)).toContain('demo-app');
  });
});

describe('secrets from files (NAME_FILE)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'campus-idp-secrets-'));
  const file = (name: string, content: string) => {
    const path = join(dir, name);
    writeFileSync(path, content);
    return path;
  };

  it('reads a setting from the file its _FILE variable names, dropping the trailing newline', () => {
    const key = Buffer.alloc(32, 7).toString('base64');
    const config = loadConfig({ MFA_ENCRYPTION_KEY_FILE: file('mfa-key', `${key}\n`), METRICS_TOKEN_FILE: file('metrics', 'metrics-token-0123456789\n') });
    expect(config.factorKey?.equals(Buffer.alloc(32, 7))).toBe(true);
    expect(config.metricsToken).toBe('metrics-token-0123456789');
  });

  it('names the variable when the file is missing or empty, or both forms are set', () => {
    const problems = (() => {
      try {
        loadConfig({ METRICS_TOKEN_FILE: join(dir, 'nope'), COOKIE_KEYS: 'k'.repeat(40), COOKIE_KEYS_FILE: file('cookies', 'c'.repeat(40)), SMTP_URL_FILE: file('empty', '\n') });
      } catch (error) {
        return (error as Error).message;
      }
      return '';
    })();
    expect(problems).toContain(`METRICS_TOKEN_FILE names ${join(dir, 'nope')}, which cannot be read (ENOENT)`);
    expect(problems).toContain('set COOKIE_KEYS or COOKIE_KEYS_FILE, not both');
    expect(problems).toContain('SMTP_URL_FILE names');
    expect(problems).toContain('which is empty');
  });

  it('resolves a client secret from a file too', () => {
    const secret = 'f'.repeat(40);
    const clients = parseClients(
      { oidc: [{ client_id: 'app', client_secret_env: 'APP_SECRET', redirect_uris: ['https://app.example.edu/cb'] }], cas: [] },
      'clients.json',
      { APP_SECRET_FILE: file('app-secret', `${secret}\n`) },
      false,
    );
    expect(clients.oidc[0]?.metadata.client_secret).toBe(secret);
  });
});
