// The password policy as the pages and the CLI see it: presets, lengths in code points after NFKC, the shipped
// blocklist (also under appended digits and symbols), the person's own words, and the configuration's messages.
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/env.ts';
import { createPasswordPolicy, passwordContextOf, type PasswordPolicy } from '../src/services/password-policy.ts';

const policyFrom = (env: Record<string, string> = {}): PasswordPolicy => createPasswordPolicy(loadConfig(env).passwordPolicy);
const problems = (policy: PasswordPolicy, password: string, context = {}) => {
  const result = policy.check(password, context);
  return result.ok ? [] : result.problems;
};

describe('password policy presets', () => {
  it('nist (the default): 15 code points, no character classes, weak existing passwords must change', () => {
    const policy = policyFrom();
    expect(policy.rules).toEqual({ minLength: 15, maxLength: 128, requiredClasses: 0 });
    expect(policy.weakExisting).toBe('change');
    expect(problems(policy, 'violet orbit sun')).toEqual([]);
    expect(problems(policy, 'violet orbit 7')).toEqual(['too_short']);
  });

  it('campus: 10 characters with upper case, lower case, digit and symbol', () => {
    const policy = policyFrom({ PASSWORD_POLICY: 'campus' });
    expect(policy.rules).toEqual({ minLength: 10, maxLength: 128, requiredClasses: 4 });
    expect(problems(policy, 'Vq7#mPz2!k')).toEqual([]);
    expect(problems(policy, 'vq7#mpz2!k')).toEqual(['missing_classes']);
    expect(problems(policy, 'Vq7mPz2wkR')).toEqual(['missing_classes']);
    expect(problems(policy, 'Vq7#mPz2!')).toEqual(['too_short']);
  });

  it('PASSWORD_MIN_LENGTH overrides the preset; out-of-range settings name the variable', () => {
    expect(policyFrom({ PASSWORD_POLICY: 'campus', PASSWORD_MIN_LENGTH: '12' }).rules.minLength).toBe(12);
    expect(() => loadConfig({ PASSWORD_MIN_LENGTH: '6' })).toThrow(/PASSWORD_MIN_LENGTH must be a whole number from 8 to 64 \(got "6"\)/);
    expect(() => loadConfig({ PASSWORD_MAX_LENGTH: '32' })).toThrow(/PASSWORD_MAX_LENGTH must be a whole number from 64 to 1024/);
    expect(() => loadConfig({ PASSWORD_WEAK_EXISTING: 'ignore' })).toThrow(/PASSWORD_WEAK_EXISTING must be one of allow, change, disable/);
    expect(() => loadConfig({ PASSWORD_POLICY: 'strict' })).toThrow(/PASSWORD_POLICY must be one of nist, campus/);
  });
});

describe('length', () => {
  const policy = policyFrom({ PASSWORD_MIN_LENGTH: '8', PASSWORD_MAX_LENGTH: '64' });

  it('counts code points after NFKC: full-width characters count once, emoji count once', () => {
    // Seven full-width characters are seven after NFKC ("Kq7mPz2"): one short of eight.
    expect(problems(policy, 'Ｋｑ７ｍＰｚ２')).toEqual(['too_short']);
    expect(problems(policy, 'Ｋｑ７ｍＰｚ２ｗ')).toEqual([]);
    // Four emoji are eight UTF-16 units but four code points.
    expect(problems(policy, '🐼🐉🌙🎋')).toEqual(['too_short']);
    expect(problems(policy, '🐼🐉🌙🎋🐼🐉🌙🎋')).toEqual([]);
  });

  it('accepts a 64-character passphrase whole and refuses one character more, without truncating', () => {
    const passphrase = 'correct horse battery staple on the quiet mountain road at dawn!';
    expect([...passphrase].length).toBe(64);
    expect(problems(policy, passphrase)).toEqual([]);
    expect(problems(policy, `${passphrase}x`)).toEqual(['too_long']);
  });

  it('never accepts what the hashing would refuse (more than 1024 UTF-16 units)', () => {
    const long = createPasswordPolicy({ ...loadConfig({}).passwordPolicy, maxLength: 1024 });
    expect(problems(long, '🐼'.repeat(600))).toEqual(['too_long']);
    expect(() => createPasswordPolicy({ ...loadConfig({}).passwordPolicy, maxLength: 2000 })).toThrow(/hashing limit/);
  });
});

describe('blocklist', () => {
  const policy = policyFrom({ PASSWORD_MIN_LENGTH: '8' });

  it('refuses common and leaked passwords, in any case, also with digits or symbols appended', () => {
    expect(problems(policy, 'password')).toEqual(['common']);
    expect(problems(policy, 'PassWord123!')).toEqual(['common']);
    expect(problems(policy, 'iloveyou2024')).toEqual(['common']);
    expect(problems(policy, 'qwertyuiop')).toEqual(['common']);
    expect(problems(policy, 'Ｐａｓｓｗｏｒｄ１２３')).toEqual(['common']);
    expect(problems(policy, 'sunshine violet orbit')).toEqual([]);
  });

  it('knows campus words (pinyin, campus vocabulary) and a deployment file', async () => {
    expect(problems(policy, 'Woaini1314!')).toEqual(['common']);
    expect(problems(policy, 'xiaoyuan2024')).toEqual(['common']);
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const file = join(mkdtempSync(join(tmpdir(), 'blocklist-')), 'words.txt');
    writeFileSync(file, '# our university\nHuaxiaDaxue\n');
    const local = policyFrom({ PASSWORD_MIN_LENGTH: '8', PASSWORD_BLOCKLIST_FILE: file });
    expect(problems(local, 'huaxiadaxue#2024')).toEqual(['common']);
    expect(() => loadConfig({ PASSWORD_BLOCKLIST_FILE: '/nonexistent/words.txt' })).toThrow(/PASSWORD_BLOCKLIST_FILE names \/nonexistent\/words.txt, which cannot be read \(ENOENT\)/);
  });
});

describe('personal words', () => {
  const policy = policyFrom({ PASSWORD_MIN_LENGTH: '8' });
  const person = passwordContextOf({ username: '20230001', displayName: 'Zhang Wenjing', contacts: [{ role: 'email', value: 'wj.zhang@example.edu' }] });

  it('refuses the login ID, a name part, the whole name and the e-mail name, in any case', () => {
    expect(problems(policy, 'my-20230001-key', person)).toEqual(['contains_personal']);
    expect(problems(policy, 'Wenjing loves tea', person)).toEqual(['contains_personal']);
    expect(problems(policy, 'ZHANGWENJING rocks', person)).toEqual(['contains_personal']);
    expect(problems(policy, 'wj.zhang is here', person)).toEqual(['contains_personal']);
  });

  it('ignores parts shorter than four characters', () => {
    expect(problems(policy, 'wj on a quiet road', person)).toEqual([]);
    expect(problems(policy, 'Li and the orbit', passwordContextOf({ username: 'x1', displayName: '李华 Li Hua' }))).toEqual([]);
  });

  it('reports every rule that fails, in a fixed order', () => {
    const campus = policyFrom({ PASSWORD_POLICY: 'campus' });
    expect(problems(campus, 'zhang1', person)).toEqual(['too_short', 'missing_classes', 'common', 'contains_personal']);
    expect(problems(campus, '', person)).toEqual(['too_short', 'missing_classes']);
  });
});
