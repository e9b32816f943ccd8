// The key-value store on the relational database (tables kv_entry, kv_set_member): the embedded default's
// store for expiring state, kept in the PGlite file so a restart signs nobody out. Each operation is a single
// SQL statement, so it is atomic; expired rows read as absent and a sweep deletes them.
import type { SqlRunner } from './database.ts';
import type { KeyValueStore } from './kv-store.ts';

const live = '(expires_at IS NULL OR expires_at > now())';
const expiry = (param: string) => `CASE WHEN ${param}::double precision IS NULL THEN NULL ELSE now() + make_interval(secs => ${param}::double precision) END`;

export function createSqlStore(sql: SqlRunner, options: { sweepIntervalMs?: number } = {}): KeyValueStore {
  const sweep = async () => {
    await sql.query('DELETE FROM kv_entry WHERE expires_at <= now()');
    await sql.query('DELETE FROM kv_set_member WHERE expires_at <= now()');
  };
  const timer = setInterval(() => void sweep().catch(() => undefined), options.sweepIntervalMs ?? 60_000);
  timer.unref();

  return {
    kind: 'sql',
    async get(key) {
      const rows = await sql.query<{ value: string }>(`SELECT value FROM kv_entry WHERE key = $1 AND ${live}`, [key]);
      return rows[0]?.value;
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      const rows = await sql.query<{ key: string; value: string }>(
        `SELECT key, value FROM kv_entry WHERE key = ANY($1::text[]) AND ${live}`,
        [keys],
      );
      const found = new Map(rows.map((row) => [row.key, row.value]));
      return keys.map((key) => found.get(key));
    },
    async set(key, value, ttlSeconds, addToSets = []) {
      const ttl = ttlSeconds ?? null;
      if (addToSets.length === 0) {
        await sql.query(
          `INSERT INTO kv_entry (key, value, expires_at) VALUES ($1, $2, ${expiry('$3')})
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`,
          [key, value, ttl],
        );
        return;
      }
      await sql.query(
        `WITH entry AS (
           INSERT INTO kv_entry (key, value, expires_at) VALUES ($1, $2, ${expiry('$3')})
           ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         )
         INSERT INTO kv_set_member (set_key, member, expires_at)
         SELECT set_key, member, ${expiry('$3')} FROM unnest($4::text[], $5::text[]) AS t(set_key, member)
         ON CONFLICT (set_key, member) DO UPDATE SET expires_at =
           CASE WHEN kv_set_member.expires_at IS NULL OR excluded.expires_at IS NULL THEN NULL
                ELSE greatest(kv_set_member.expires_at, excluded.expires_at) END`,
        [key, value, ttl, addToSets.map((entry) => entry.setKey), addToSets.map((entry) => entry.member)],
      );
    },
    async take(key) {
      // Of concurrent takers only one DELETE gets the row.
      const rows = await sql.query<{ value: string; live: boolean }>(
        `DELETE FROM kv_entry WHERE key = $1 RETURNING value, ${live} AS live`,
        [key],
      );
      const row = rows[0];
      return row?.live ? row.value : undefined;
    },
    async attach(key, companionKey, value) {
      const rows = await sql.query(
        `INSERT INTO kv_entry (key, value, expires_at)
         SELECT $2, $3, expires_at FROM kv_entry WHERE key = $1 AND ${live}
         ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
         RETURNING 1`,
        [key, companionKey, value],
      );
      return rows.length === 1;
    },
    async delete(keys) {
      if (keys.length) await sql.query('DELETE FROM kv_entry WHERE key = ANY($1::text[])', [keys]);
    },
    async setMembers(setKey) {
      const rows = await sql.query<{ member: string }>(`SELECT member FROM kv_set_member WHERE set_key = $1 AND ${live}`, [setKey]);
      return rows.map((row) => row.member);
    },
    async deleteSetMembers(setKey) {
      await sql.query(
        `WITH members AS (DELETE FROM kv_set_member WHERE set_key = $1 RETURNING member)
         DELETE FROM kv_entry WHERE key IN (SELECT member FROM members)`,
        [setKey],
      );
    },
    async removeSetMembers(setKey, members) {
      if (members.length) await sql.query('DELETE FROM kv_set_member WHERE set_key = $1 AND member = ANY($2::text[])', [setKey, members]);
    },
    async increment(key, ttlSeconds) {
      const rows = await sql.query<{ value: string }>(
        `INSERT INTO kv_entry (key, value, expires_at) VALUES ($1, '1', ${expiry('$2')})
         ON CONFLICT (key) DO UPDATE SET
           value = CASE WHEN kv_entry.expires_at <= now() THEN '1' ELSE (kv_entry.value::bigint + 1)::text END,
           expires_at = CASE WHEN kv_entry.expires_at <= now() THEN excluded.expires_at ELSE kv_entry.expires_at END
         RETURNING value`,
        [key, ttlSeconds],
      );
      return Number(rows[0]?.value);
    },
    async ping() {
      await sql.query('SELECT 1');
    },
    async close() {
      clearInterval(timer);
    },
  };
}
