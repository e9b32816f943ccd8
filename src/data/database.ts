// The relational store: PostgreSQL when DATABASE_URL is set, otherwise embedded PGlite (real PostgreSQL in
// WebAssembly) in DATA_DIR. Both get the same Prisma client, the same migrations and a raw `sql` function for the
// few hot paths (the embedded key-value store) that should not pay Prisma's per-query cost.
import { mkdirSync, openSync, readFileSync, rmSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../lib/errors.ts';
import { PrismaClient } from '../generated/prisma/client.ts';

export interface SqlRunner {
  /** Runs one parameterised statement ($1, $2 …) and returns its rows. */
  query<Row = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<Row[]>;
  /** Runs several statements (no parameters) as one script, e.g. a migration. */
  exec(script: string): Promise<void>;
}

export interface Database {
  kind: 'postgresql' | 'pglite';
  prisma: PrismaClient;
  sql: SqlRunner;
  /** Runs `work` on one dedicated connection (session-level locks, multi-statement transactions). */
  withConnection<T>(work: (sql: SqlRunner) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  dataDir: string;
  /** A pooled PostgreSQL connection broke while idle (server restart, failover, network): told, never thrown. */
  onConnectionError?: (error: Error) => void;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.onConnectionError);
  return openPglite(options.dataDir === 'memory://' ? 'memory://' : join(options.dataDir, 'pglite'));
}

async function openPostgres(connectionString: string, onConnectionError: (error: Error) => void = () => {}): Promise<Database> {
  const { default: pg } = await import('pg');
  const { PrismaPg } = await import('@prisma/adapter-pg');
  const pool = new pg.Pool({ connectionString, max: 10, connectionTimeoutMillis: 5_000 });
  // The pool re-emits a pooled connection's error (PostgreSQL restarted, failed over, or dropped the database);
  // unheard, it ends the process. Prisma's adapter listens only while connected and stops at $disconnect, so a
  // connection killed while close() is ending the pool crashed the process. The pool replaces a lost connection
  // for the next query.
  pool.on('error', onConnectionError);
  // Fail at boot, naming the cause, rather than on the first request.
  await pool.query('select 1');
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  return {
    kind: 'postgresql',
    prisma,
    sql: {
      async query(text, params) {
        const result = await pool.query(text, params);
        return result.rows;
      },
      async exec(script) {
        await pool.query(script);
      },
    },
    async withConnection(work) {
      const connection = await pool.connect();
      try {
        return await work({
          async query(text, params) {
            return (await connection.query(text, params)).rows;
          },
          async exec(script) {
            await connection.query(script);
          },
        });
      } finally {
        connection.release();
      }
    },
    async close() {
      await prisma.$disconnect();
      await pool.end();
    },
  };
}

async function openPglite(directory: string): Promise<Database> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PrismaPGlite } = await import('pglite-prisma-adapter');
  let unlock = () => {};
  if (directory !== 'memory://') {
    mkdirSync(directory, { recursive: true });
    unlock = lockDirectory(directory);
  }
  const client = new PGlite(directory);
  try {
    await client.waitReady;
  } catch (error) {
    unlock();
    throw error;
  }
  const prisma = new PrismaClient({ adapter: new PrismaPGlite(client) });
  const sql: SqlRunner = {
    async query<Row>(text: string, params?: unknown[]) {
      const result = await client.query<Row>(text, params);
      return result.rows;
    },
    async exec(script) {
      await client.exec(script);
    },
  };
  return {
    kind: 'pglite',
    prisma,
    sql,
    // PGlite is a single connection already.
    withConnection: (work) => work(sql),
    async close() {
      await prisma.$disconnect();
      await client.close();
      unlock();
    },
  };
}

/**
 * PGlite is PostgreSQL inside this process: a second process opening the same files would corrupt them. A lock
 * file holding our pid keeps the server and the CLI apart; a lock left by a dead process is taken over.
 */
function lockDirectory(directory: string): () => void {
  // Beside the directory, not in it: PGlite refuses to initialise a non-empty directory.
  const lockFile = `${directory}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(lockFile, 'wx');
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(lockFile, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) {
        throw new ConfigError(
          `The embedded database in ${directory} is in use by process ${holder} (a running campus-idp server?). ` +
            'Stop it first, or run on PostgreSQL (DATABASE_URL) to share the database between processes.',
        );
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new ConfigError(`Could not lock the embedded database in ${directory}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
