// Test stores: a fresh database per call — an in-memory PGlite, or a new PostgreSQL database created on the
// server named by DATABASE_URL — with all migrations applied. Dropped again on cleanup.
import { randomBytes } from 'node:crypto';
import { openDatabase, type Database } from '../../src/data/database.ts';
import { applyMigrations } from '../../src/data/migrate.ts';

export const serverDatabaseUrl = process.env.DATABASE_URL || undefined;
export const serverRedisUrl = process.env.REDIS_URL || undefined;

export interface TestDatabase {
  database: Database;
  /** The URL of the fresh database (undefined for PGlite). */
  url: string | undefined;
  cleanup(): Promise<void>;
}

export async function openTestDatabase(): Promise<TestDatabase> {
  if (!serverDatabaseUrl) {
    const database = await openDatabase({ databaseUrl: undefined, dataDir: 'memory://' });
    await applyMigrations(database);
    return { database, url: undefined, cleanup: () => database.close() };
  }
  const name = `campus_idp_test_${randomBytes(6).toString('hex')}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: serverDatabaseUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverDatabaseUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), dataDir: 'unused' });
  await applyMigrations(database);
  return {
    database,
    url: url.toString(),
    async cleanup() {
      // The caller may have closed it already (a server under test opens its own pool).
      await database.close().catch(() => undefined);
      const dropper = new pg.Client({ connectionString: serverDatabaseUrl });
      await dropper.connect();
      await dropper.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await dropper.end();
    },
  };
}
