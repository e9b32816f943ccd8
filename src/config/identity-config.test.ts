// REGISTRY_KEY (directly or from REGISTRY_KEY_FILE, at least 32 bytes of base64) and SELF_REGISTRATION (off by
// default); the generated key file in DATA_DIR when no key is configured, the same on every start.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './env.ts';
import { ensureRegistryKey } from '../services/server-secrets.ts';

describe('identity settings', () => {
  it('is off and without a configured key by default', () => {
    const { identity } = loadConfig({});
    expect(identity.registryKey).toBeUndefined();
    expect(identity.selfRegistration).toEqual({ enabled: false, userType: 'student', perIp: 20, windowSeconds: 3600 });
  });

  it('reads the key from REGISTRY_KEY or REGISTRY_KEY_FILE and refuses a short one, naming the variable', () => {
    const key = Buffer.alloc(32, 5);
    expect(loadConfig({ REGISTRY_KEY: key.toString('base64') }).identity.registryKey?.equals(key)).toBe(true);
    const dir = mkdtempSync(join(tmpdir(), 'registry-key-'));
    try {
      writeFileSync(join(dir, 'key'), `${key.toString('base64')}\n`);
      expect(loadConfig({ REGISTRY_KEY_FILE: join(dir, 'key') }).identity.registryKey?.equals(key)).toBe(true);
      expect(() => loadConfig({ REGISTRY_KEY: 'c2hvcnQ=' })).toThrow(/REGISTRY_KEY must be at least 32 random bytes/);
      expect(() => loadConfig({ SELF_REGISTRATION: 'maybe' })).toThrow(/SELF_REGISTRATION must be true or false/);

      const generated = ensureRegistryKey(undefined, dir);
      expect(generated).toHaveLength(32);
      expect(ensureRegistryKey(undefined, dir).equals(generated)).toBe(true);
      expect(statSync(join(dir, 'registry-hash.key')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(dir, 'registry-hash.key'), 'utf8')).toBe(generated.toString('base64'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
