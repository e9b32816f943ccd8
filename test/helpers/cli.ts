// The real CLI (bin/campus-idp.mjs) as a subprocess against a real store: embedded PGlite in a temporary
// DATA_DIR, or a fresh PostgreSQL database when DATABASE_URL is set. Results are read back through a separate
// connection, opened only while no CLI runs (PGlite allows one process).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, type Database } from '../../src/data/database.ts';
import { openTestDatabase, serverDatabaseUrl } from './stores.ts';

const root = new URL('../../', import.meta.url).pathname;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

export async function cliSandbox(prefix: string) {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const server = serverDatabaseUrl ? await openTestDatabase() : undefined;
  return {
    dataDir,
    run(args: string[], stdin = '', env: Record<string, string> = {}): Promise<CliRun> {
      return new Promise((resolve, reject) => {
        const child = spawn(join(root, 'node_modules/.bin/node'), [join(root, 'bin/campus-idp.mjs'), ...args], {
          cwd: dataDir,
          env: { ...process.env, DATA_DIR: dataDir, DATABASE_URL: server?.url ?? '', NODE_ENV: 'test', ...env },
        });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
        child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
        child.on('error', reject);
        child.on('close', (code) => resolve({ code, stdout, stderr }));
        child.stdin.end(stdin);
      });
    },
    async inspect<T>(read: (database: Database) => Promise<T>): Promise<T> {
      if (server) return read(server.database);
      const database = await openDatabase({ databaseUrl: undefined, dataDir });
      try {
        return await read(database);
      } finally {
        await database.close();
      }
    },
    async cleanup() {
      await server?.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export type CliSandbox = Awaited<ReturnType<typeof cliSandbox>>;
