// Password hashing: argon2id round trip at the OWASP policy, NFKC, imported bcrypt/PBKDF2 hashes and bad input.
import { pbkdf2Sync } from 'node:crypto';
import { hash as argon2Hash, parseOptions } from '@node-rs/argon2';
import bcrypt from 'bcryptjs';
import { describe, expect, it } from 'vitest';
import { hashFormat, hashPassword, PasswordTooLongError, verifyPassword } from '../src/services/password-hashing.ts';

const b64 = (buffer: Buffer) => buffer.toString('base64').replace(/=+$/, '');

describe('password hashing', () => {
  it('hashes with argon2id at m=19456, t=2, p=1 and verifies the same password only', async () => {
    const stored = await hashPassword('Correct-Horse-Battery-9');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(parseOptions(stored)).toMatchObject({ memoryCost: 19456, timeCost: 2, parallelism: 1 });
    expect(await verifyPassword(stored, 'Correct-Horse-Battery-9')).toEqual({ ok: true, needsRehash: false });
    expect(await verifyPassword(stored, 'correct-horse-battery-9')).toEqual({ ok: false, needsRehash: false });
  });

  it('NFKC-normalises: full-width letters and composed accents equal their plain forms', async () => {
    const stored = await hashPassword('ｐａｓｓ１２３');
    expect((await verifyPassword(stored, 'pass123')).ok).toBe(true);
    const accented = await hashPassword('Cafe\u0301-2024');
    expect((await verifyPassword(accented, 'Caf\u00e9-2024')).ok).toBe(true);
  });

  it('asks for a rehash of a correct argon2 hash made with other parameters', async () => {
    const weak = await argon2Hash('old-password', { memoryCost: 4096, timeCost: 3, parallelism: 1 });
    expect(await verifyPassword(weak, 'old-password')).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword(weak, 'wrong')).toEqual({ ok: false, needsRehash: false });
  });

  it('verifies an imported bcrypt hash ($2a$, $2b$, $2y$) and asks for a rehash', async () => {
    const stored = bcrypt.hashSync('legacy-Pass1', 4);
    expect(hashFormat(stored)).toBe('bcrypt');
    expect(await verifyPassword(stored, 'legacy-Pass1')).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword(stored, 'legacy-pass1')).toEqual({ ok: false, needsRehash: false });
    const asY = stored.replace(/^\$2[ab]\$/, '$2y$');
    expect((await verifyPassword(asY, 'legacy-Pass1')).ok).toBe(true);
  });

  it('verifies PBKDF2 PHC hashes (sha256, sha512) and passlib ab64 ones, asking for a rehash', async () => {
    const salt = Buffer.from('a salt with + and / inside?>?>');
    const sha256 = pbkdf2Sync('imported-Pw', salt, 1000, 32, 'sha256');
    const phc = `$pbkdf2-sha256$i=1000$${b64(salt)}$${b64(sha256)}`;
    expect(await verifyPassword(phc, 'imported-Pw')).toEqual({ ok: true, needsRehash: true });
    expect(await verifyPassword(phc, 'imported-pw')).toEqual({ ok: false, needsRehash: false });

    const sha512 = pbkdf2Sync('imported-Pw', salt, 1200, 64, 'sha512');
    expect((await verifyPassword(`$pbkdf2-sha512$i=1200,l=64$${b64(salt)}$${b64(sha512)}`, 'imported-Pw')).ok).toBe(true);

    const ab64 = (buffer: Buffer) => b64(buffer).replace(/\+/g, '.');
    expect(b64(salt)).toContain('+');
    const passlib = `$pbkdf2-sha256$1000$${ab64(salt)}$${ab64(sha256)}`;
    expect(await verifyPassword(passlib, 'imported-Pw')).toEqual({ ok: true, needsRehash: true });
  });

  it('answers ok: false, without throwing, for unknown or malformed stored hashes', async () => {
    for (const stored of ['', 'plaintext', '$md5$abc', '$argon2id$v=19$m=19456,t=2,p=1$garbage', '$2b$10$short', '$pbkdf2-sha1$i=1000$c2FsdA$aGFzaA', '$pbkdf2-sha256$i=0$c2FsdA$aGFzaGhhc2hoYXNoaGFzaA']) {
      expect(await verifyPassword(stored, 'anything')).toEqual({ ok: false, needsRehash: false });
      expect(hashFormat(stored)).toBeUndefined();
    }
  });

  it('refuses passwords longer than 1024 characters before hashing', async () => {
    const stored = await hashPassword('x'.repeat(1024));
    expect((await verifyPassword(stored, 'x'.repeat(1024))).ok).toBe(true);
    await expect(hashPassword('x'.repeat(1025))).rejects.toThrow(PasswordTooLongError);
    await expect(verifyPassword(stored, 'x'.repeat(1025))).rejects.toThrow(/at most 1024 characters/);
  });
});
