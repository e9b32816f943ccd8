// Applies prisma/migrations at start, in order, each in its own transaction, recording them in Prisma's own
// `_prisma_migrations` table so `prisma migrate status|deploy` agree with what ran here. In-process on purpose:
// the embedded PGlite database cannot be opened by a second process while the server holds it.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Database, SqlRunner } from './database.ts';

const defaultMigrationsDir = new URL('../../prisma/migrations/', import.meta.url).pathname;

export async function applyMigrations(database: Database, migrationsDir = defaultMigrationsDir): Promise<string[]> {
  return database.withConnection((sql) => applyOnConnection(sql, migrationsDir));
}

async function applyOnConnection(sql: SqlRunner, migrationsDir: string): Promise<string[]> {
  await sql.exec(`
    CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
      "id" VARCHAR(36) PRIMARY KEY NOT NULL,
      "checksum" VARCHAR(64) NOT NULL,
      "finished_at" TIMESTAMPTZ,
      "migration_name" VARCHAR(255) NOT NULL,
      "logs" TEXT,
      "rolled_back_at" TIMESTAMPTZ,
      "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
      "applied_steps_count" INTEGER NOT NULL DEFAULT 0
    )`);
  // Several instances starting together must not both apply a migration.
  await sql.exec('SELECT pg_advisory_lock(727274)');
  try {
    const done = await sql.query<{ migration_name: string; checksum: string }>(
      'SELECT migration_name, checksum FROM "_prisma_migrations" WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL',
    );
    const applied = new Map(done.map((row) => [row.migration_name, row.checksum]));
    const names = readdirSync(migrationsDir, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(migrationsDir, entry.name, 'migration.sql')))
      .map((entry) => entry.name)
      .sort();
    const ran: string[] = [];
    for (const name of names) {
      const script = readFileSync(join(migrationsDir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(script).digest('hex');
      const previous = applied.get(name);
      if (previous !== undefined) {
        if (previous !== checksum) {
          throw new Error(`Migration ${name} was changed after it was applied; restore it and add a new migration instead`);
        }
        continue;
      }
      await sql.exec(`BEGIN;\n${script}\n;INSERT INTO "_prisma_migrations" (id, checksum, finished_at, migration_name, applied_steps_count) VALUES ('${randomUUID()}', '${checksum}', now(), '${name.replace(/'/g, "''")}', 1);\nCOMMIT;`).catch(async (error: unknown) => {
        await sql.exec('ROLLBACK').catch(() => undefined);
        throw new Error(`Migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`);
      });
      ran.push(name);
    }
    return ran;
  } finally {
    await sql.exec('SELECT pg_advisory_unlock(727274)');
  }
}
