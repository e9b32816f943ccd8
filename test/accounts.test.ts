// Account service against a real store: every authenticate outcome, the bcrypt → argon2 upgrade, and the
// operator changes (create, set password, enable/disable, roles) with their input checks.
import bcrypt from 'bcryptjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccountService, type AccountService } from '../src/services/accounts.ts';
import { hashPassword, verifyPassword } from '../src/services/password-hashing.ts';
import { InputError } from '../src/services/user-input.ts';
import type { PrismaClient } from '../src/generated/prisma/client.ts';
import { openTestDatabase, type TestDatabase } from './helpers/stores.ts';

let store: TestDatabase;
let prisma: PrismaClient;
let accounts: AccountService;

async function seed(username: string, data: { password?: string; passwordHash?: string; status?: string; cardNumber?: string } = {}) {
  return prisma.user.create({
    data: {
      username,
      displayName: `Person ${username}`,
      type: 'student',
      status: data.status ?? 'active',
      cardNumber: data.cardNumber ?? null,
      passwordHash: data.passwordHash ?? (data.password ? await hashPassword(data.password) : null),
      contacts: { create: [{ role: 'email', value: `${username}@example.edu` }] },
    },
  });
}

beforeAll(async () => {
  store = await openTestDatabase();
  prisma = store.database.prisma;
  accounts = createAccountService(prisma);
  await seed('20230001', { password: 'Right-Password-1', cardNumber: 'C10020030' });
  await seed('20230002', { password: 'Right-Password-2', status: 'disabled' });
  await seed('20230003', { status: 'pending' });
});

afterAll(async () => {
  await store?.cleanup();
});

describe('authenticate', () => {
  it('signs in with the login ID and the right password, returning the user with contacts', async () => {
    const result = await accounts.authenticate(' 20230001 ', 'Right-Password-1');
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.user.username).toBe('20230001');
    expect(result.user.contacts.map((contact) => contact.value)).toEqual(['20230001@example.edu']);
  });

  it('refuses a wrong password, an unknown user and an overlong password alike', async () => {
    expect(await accounts.authenticate('20230001', 'Wrong-Password')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(await accounts.authenticate('99999999', 'Right-Password-1')).toEqual({ ok: false, reason: 'invalid_credentials' });
    expect(await accounts.authenticate('20230001', 'x'.repeat(5000))).toEqual({ ok: false, reason: 'invalid_credentials' });
  });

  it('spends an argon2 verify on an unknown user, so it takes about as long as a wrong password', async () => {
    await accounts.authenticate('99999999', 'warm-up'); // the dummy hash is made on first use
    const time = async (loginId: string) => {
      const start = performance.now();
      await accounts.authenticate(loginId, 'Wrong-Password');
      return performance.now() - start;
    };
    const known = Math.min(await time('20230001'), await time('20230001'));
    const unknown = Math.min(await time('99999999'), await time('99999999'));
    expect(unknown).toBeGreaterThan(known * 0.5);
  });

  it('explains that a campus card number is not a login ID', async () => {
    expect(await accounts.authenticate('C10020030', 'Right-Password-1')).toEqual({ ok: false, reason: 'card_number_not_login_id' });
  });

  it('says disabled only when the password was right', async () => {
    expect(await accounts.authenticate('20230002', 'Right-Password-2')).toEqual({ ok: false, reason: 'account_disabled' });
    expect(await accounts.authenticate('20230002', 'Wrong-Password')).toEqual({ ok: false, reason: 'invalid_credentials' });
  });

  it('says pending for someone who has no password yet', async () => {
    expect(await accounts.authenticate('20230003', 'anything')).toEqual({ ok: false, reason: 'account_pending' });
  });

  it('upgrades an imported bcrypt hash to argon2id on a successful sign-in', async () => {
    const legacy = bcrypt.hashSync('Legacy-Pass-9', 4);
    await seed('20230004', { passwordHash: legacy });
    const result = await accounts.authenticate('20230004', 'Legacy-Pass-9');
    expect(result.ok).toBe(true);
    const stored = await prisma.user.findUniqueOrThrow({ where: { username: '20230004' } });
    expect(stored.passwordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(stored.passwordHash ?? '', 'Legacy-Pass-9')).toEqual({ ok: true, needsRehash: false });
    expect((await accounts.authenticate('20230004', 'Legacy-Pass-9')).ok).toBe(true);
  });

  it('leaves the hash alone after a failed sign-in', async () => {
    const legacy = bcrypt.hashSync('Legacy-Pass-8', 4);
    await seed('20230005', { passwordHash: legacy });
    await accounts.authenticate('20230005', 'not-it');
    expect((await prisma.user.findUniqueOrThrow({ where: { username: '20230005' } })).passwordHash).toBe(legacy);
  });
});

describe('operator changes', () => {
  it('creates a pending user with normalised contacts, and refuses a taken username or card number', async () => {
    const user = await accounts.createUser({
      username: 'T1001', name: '  Zhang  San ', type: 'Staff', email: 'zs@EXAMPLE.edu', phone: '138 1234 5678', cardNumber: 'C2',
    });
    expect(user).toMatchObject({ username: 'T1001', displayName: 'Zhang San', type: 'staff', status: 'pending', cardNumber: 'C2' });
    expect(user.contacts.map(({ role, value }) => [role, value]).sort()).toEqual([
      ['email', 'zs@example.edu'],
      ['security_phone', '+8613812345678'],
    ]);
    await expect(accounts.createUser({ username: 'T1001', name: 'Again', type: 'staff' })).rejects.toThrow(/already taken/);
    await expect(accounts.createUser({ username: 'T1002', name: 'Card', type: 'staff', cardNumber: 'C2' })).rejects.toThrow(/already belongs/);
  });

  it('reports every bad field at once', async () => {
    const error = await accounts.createUser({ username: 'bad name', name: '', type: 'wizard', email: 'nope', phone: '12345' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InputError);
    expect((error as InputError).problems.map((problem) => problem.field)).toEqual(['username', 'name', 'type', 'email', 'phone']);
    expect(await prisma.user.count({ where: { username: 'bad name' } })).toBe(0);
  });

  it('set-password activates a pending user; enable keeps a password-less user pending; disable blocks sign-in', async () => {
    await accounts.createUser({ username: 'T2001', name: 'New Person', type: 'guest' });
    expect((await accounts.setStatus('T2001', 'active')).status).toBe('pending');
    const user = await accounts.setPassword('T2001', 'Fresh-Password-1');
    expect(user.status).toBe('active');
    expect(user.passwordChangedAt).toBeInstanceOf(Date);
    expect((await accounts.authenticate('T2001', 'Fresh-Password-1')).ok).toBe(true);
    await accounts.setStatus('T2001', 'disabled');
    expect(await accounts.authenticate('T2001', 'Fresh-Password-1')).toEqual({ ok: false, reason: 'account_disabled' });
    expect((await accounts.setPassword('T2001', 'Another-Password-2')).status).toBe('disabled');
    await expect(accounts.setPassword('nobody', 'x')).rejects.toThrow(/no user "nobody"/);
  });

  it('a new password ends trusted browsers and app passwords, whoever changes it', async () => {
    const user = await accounts.createUser({ username: 'T2002', name: 'Mail Reader', type: 'staff' });
    await prisma.deviceTrust.create({ data: { userId: user.id, secretHash: 'x', label: 'Laptop', expiresAt: new Date(Date.now() + 86_400_000) } });
    await prisma.appPassword.create({ data: { userId: user.id, name: 'Thunderbird', hash: 'y' } });
    await accounts.setPassword('T2002', 'Fresh-Password-3');
    expect(await prisma.deviceTrust.count({ where: { userId: user.id } })).toBe(0);
    expect(await prisma.appPassword.count({ where: { userId: user.id } })).toBe(0);
  });

  it('grants a role once', async () => {
    expect((await accounts.grantRole('20230001', 'admin')).added).toBe(true);
    const again = await accounts.grantRole('20230001', 'admin');
    expect(again).toMatchObject({ added: false, user: { roles: ['admin'] } });
    await expect(accounts.grantRole('20230001', 'Not A Role')).rejects.toThrow(InputError);
  });

  it('finds by id (ignoring ids that are not UUIDs) and by username', async () => {
    const user = await accounts.findByUsername('20230001');
    expect(user?.contacts).toHaveLength(1);
    expect((await accounts.findById(user?.id ?? ''))?.username).toBe('20230001');
    expect(await accounts.findById('not-a-uuid')).toBeUndefined();
    expect(await accounts.findByUsername('nobody')).toBeUndefined();
  });
});

describe('account lookups on hot paths', () => {
  it('reuse a recent lookup briefly, but see a local status change at once', async () => {
    const user = await accounts.createUser({ username: 'cache-1', name: 'Cache', type: 'staff' }, { passwordHash: await hashPassword('Cache-Password-123') });
    expect((await accounts.findById(user.id))?.status).toBe('active');
    // Changed behind the service's back (another instance): the cached record is still served…
    await prisma.user.update({ where: { id: user.id }, data: { displayName: 'Changed elsewhere' } });
    expect((await accounts.findById(user.id))?.displayName).toBe('Cache');
    // …but a change made through the service is seen immediately.
    await accounts.setStatus('cache-1', 'disabled');
    expect((await accounts.findById(user.id))?.status).toBe('disabled');
    expect((await accounts.findById(user.id))?.displayName).toBe('Changed elsewhere');
  });
});
