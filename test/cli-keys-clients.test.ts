// `keys rotate` promotes the pre-published key and keeps the old one published; `clients list` checks the file
// the way the server does.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/data/database.ts';
import { openTestDatabase, type TestDatabase } from './helpers/stores.ts';

const root = new URL('..', import.meta.url).pathname;
let dataDir: string;
let testDatabase: TestDatabase | undefined;

function cli(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(join(root, 'node_modules/.bin/node'), [join(root, 'bin/campus-idp.mjs'), ...args], {
    cwd: dataDir,
    env: { PATH: process.env.PATH, DATA_DIR: dataDir, ...(testDatabase?.url ? { DATABASE_URL: testDatabase.url } : {}), ...env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'campus-idp-cli-'));
  if (process.env.DATABASE_URL) {
    testDatabase = await openTestDatabase();
    await testDatabase.database.close();
  }
});
afterAll(async () => {
  await testDatabase?.cleanup();
  rmSync(dataDir, { recursive: true, force: true });
});

async function keyStates() {
  const database = await openDatabase({ databaseUrl: testDatabase?.url, dataDir });
  try {
    return await database.prisma.signingKey.findMany({ where: { alg: 'ES256' } });
  } finally {
    await database.close();
  }
}

// Each step starts the CLI (Node, tsx, the database) afresh: minutes on a loaded machine, not seconds.
describe('campus-idp keys', { timeout: 120_000 }, () => {
  it('rotates: next becomes current, current is retired but kept, a new next appears', async () => {
    expect(cli(['keys', 'list']).code).toBe(0);
    const before = await keyStates();
    const next = before.find((key) => key.state === 'next')!;
    const current = before.find((key) => key.state === 'current')!;

    const rotated = cli(['keys', 'rotate']);
    expect(rotated.code).toBe(0);
    expect(rotated.stdout).toContain(next.kid);

    const after = await keyStates();
    expect(after.find((key) => key.kid === next.kid)?.state).toBe('current');
    expect(after.find((key) => key.kid === current.kid)?.state).toBe('retired');
    const fresh = after.find((key) => key.state === 'next');
    expect(fresh && ![next.kid, current.kid].includes(fresh.kid)).toBe(true);
  });

  it('rejects an unknown keys command with usage and exit code 2', () => {
    const result = cli(['keys', 'spin']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/keys rotate/);
  });
});

describe('campus-idp clients list', () => {
  it('lists the clients without printing secrets', () => {
    const file = join(dataDir, 'clients.json');
    writeFileSync(file, JSON.stringify({ oidc: [{ client_id: 'mail', client_secret_env: 'MAIL_SECRET', redirect_uris: ['https://mail.example.edu/cb'], first_party: true }] }));
    const result = cli(['clients', 'list'], { CLIENTS_FILE: file, MAIL_SECRET: 'm'.repeat(40) });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/mail.*first party/);
    expect(result.stdout).not.toContain('m'.repeat(40));
  });

  it('fails naming the entry and field the server would refuse', () => {
    const file = join(dataDir, 'bad-clients.json');
    writeFileSync(file, JSON.stringify({ oidc: [{ client_id: 'mail', client_secret_env: 'MAIL_SECRET', redirect_uris: ['https://mail.example.edu/cb'] }] }));
    const result = cli(['clients', 'list'], { CLIENTS_FILE: file });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/oidc\[0\] \(client_id "mail"\) field "client_secret_env": environment variable MAIL_SECRET \(or MAIL_SECRET_FILE\) is not set/);
  });
});
