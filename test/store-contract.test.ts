// One contract, both stores: the embedded SQL store (PGlite, or PostgreSQL when DATABASE_URL is set) and Redis
// (when REDIS_URL is set), with the oidc-provider adapter on top of each.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KeyValueStore } from '../src/data/kv-store.ts';
import { createSqlStore } from '../src/data/sql-store.ts';
import { createRedisStore } from '../src/data/redis-store.ts';
import { createAdapterFactory } from '../src/oidc/adapter.ts';
import { openTestDatabase, serverRedisUrl, type TestDatabase } from './helpers/stores.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function contract(name: string, open: () => Promise<{ store: KeyValueStore; close(): Promise<void> }>) {
  describe(name, () => {
    let store: KeyValueStore;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => close?.());

    it('sets, gets, reads many and deletes', async () => {
      await store.set('a', '1', 60);
      await store.set('b', '2', undefined);
      expect(await store.get('a')).toBe('1');
      expect(await store.getMany(['a', 'missing', 'b'])).toEqual(['1', undefined, '2']);
      await store.set('a', 'again', 60);
      expect(await store.get('a')).toBe('again');
      await store.delete(['a', 'b']);
      expect(await store.getMany(['a', 'b'])).toEqual([undefined, undefined]);
    });

    it('forgets a key when its time is up', async () => {
      await store.set('short', 'x', 1);
      expect(await store.get('short')).toBe('x');
      await sleep(1_100);
      expect(await store.get('short')).toBeUndefined();
      expect(await store.take('short')).toBeUndefined();
    });

    it('hands a value to exactly one of 50 concurrent takers', async () => {
      await store.set('ticket', 'ST-1', 60);
      const results = await Promise.all(Array.from({ length: 50 }, () => store.take('ticket')));
      expect(results.filter((value) => value === 'ST-1')).toHaveLength(1);
      expect(await store.get('ticket')).toBeUndefined();
    });

    it('attaches a companion only to a live key, expiring with it', async () => {
      expect(await store.attach('nothing-here', 'nothing-here:mark', '1')).toBe(false);
      expect(await store.get('nothing-here:mark')).toBeUndefined();
      await store.set('token', 'payload', 1);
      expect(await store.attach('token', 'token:mark', '42')).toBe(true);
      expect(await store.get('token:mark')).toBe('42');
      await sleep(1_100);
      expect(await store.get('token:mark')).toBeUndefined();
    });

    it('counts within a window and starts again after it', async () => {
      expect(await store.increment('counter', 1)).toBe(1);
      expect(await store.increment('counter', 1)).toBe(2);
      expect(await store.increment('counter', 1)).toBe(3);
      await sleep(1_100);
      expect(await store.increment('counter', 1)).toBe(1);
    });

    it('deletes exactly the members of a set', async () => {
      await store.set('g1:a', 'a', 60, [{ setKey: 'set:g1', member: 'g1:a' }]);
      await store.set('g1:b', 'b', 60, [{ setKey: 'set:g1', member: 'g1:b' }]);
      await store.set('g2:a', 'c', 60, [{ setKey: 'set:g2', member: 'g2:a' }]);
      expect((await store.setMembers('set:g1')).sort()).toEqual(['g1:a', 'g1:b']);
      expect(await store.setMembers('set:none')).toEqual([]);
      await store.deleteSetMembers('set:g1');
      expect(await store.getMany(['g1:a', 'g1:b', 'g2:a'])).toEqual([undefined, undefined, 'c']);
    });

    it('drops chosen members from a set, leaving their keys and the other members', async () => {
      await store.set('g3:a', 'a', 60, [{ setKey: 'set:g3', member: 'g3:a' }]);
      await store.set('g3:b', 'b', 60, [{ setKey: 'set:g3', member: 'g3:b' }]);
      await store.removeSetMembers('set:g3', ['g3:a', 'g3:never']);
      await store.removeSetMembers('set:g3', []);
      expect(await store.setMembers('set:g3')).toEqual(['g3:b']);
      expect(await store.get('g3:a')).toBe('a');
    });

    describe('oidc-provider adapter', () => {
      const factory = () => createAdapterFactory(store);

      it('round-trips a payload and forgets it after expiresIn', async () => {
        const adapter = factory()('AccessToken');
        await adapter.upsert('at1', { jti: 'at1', kind: 'AccessToken', grantId: 'g', scope: 'openid' }, 1);
        expect(await adapter.find('at1')).toMatchObject({ jti: 'at1', scope: 'openid' });
        await sleep(1_100);
        expect(await adapter.find('at1')).toBeUndefined();
      });

      it('marks a consumed code, keeping the rest of the payload', async () => {
        const adapter = factory()('AuthorizationCode');
        await adapter.upsert('code1', { jti: 'code1', kind: 'AuthorizationCode', grantId: 'g', scope: 'openid' }, 60);
        expect((await adapter.find('code1'))?.consumed).toBeUndefined();
        await adapter.consume('code1');
        const found = await adapter.find('code1');
        expect(found?.consumed).toEqual(expect.any(Number));
        expect(found?.scope).toBe('openid');
      });

      it('finds a session by uid and a device code by user code; destroy removes them', async () => {
        const sessions = factory()('Session');
        await sessions.upsert('s1', { jti: 's1', uid: 'uid-1', kind: 'Session' }, 60);
        expect(await sessions.findByUid('uid-1')).toMatchObject({ jti: 's1' });
        const devices = factory()('DeviceCode');
        await devices.upsert('d1', { jti: 'd1', userCode: 'ABCD-EFGH', kind: 'DeviceCode', grantId: 'g' }, 60);
        expect(await devices.findByUserCode('ABCD-EFGH')).toMatchObject({ jti: 'd1' });
        await sessions.destroy('s1');
        expect(await sessions.find('s1')).toBeUndefined();
        expect(await sessions.findByUid('uid-1')).toBeUndefined();
      });

      it('revokes every token of a grant and only those', async () => {
        const make = factory();
        await make('AccessToken').upsert('r-at', { jti: 'r-at', grantId: 'grant-1', kind: 'AccessToken' }, 60);
        await make('RefreshToken').upsert('r-rt', { jti: 'r-rt', grantId: 'grant-1', kind: 'RefreshToken' }, 600);
        await make('AccessToken').upsert('other-at', { jti: 'other-at', grantId: 'grant-2', kind: 'AccessToken' }, 60);
        await make('AccessToken').revokeByGrantId('grant-1');
        expect(await make('AccessToken').find('r-at')).toBeUndefined();
        expect(await make('RefreshToken').find('r-rt')).toBeUndefined();
        expect(await make('AccessToken').find('other-at')).toMatchObject({ jti: 'other-at' });
      });

      it('never looks clients up in the store', async () => {
        const clients = factory()('Client');
        expect(await clients.find('anything')).toBeUndefined();
        await expect(clients.upsert('x', { client_id: 'x' } as never, 0)).rejects.toThrow(/clients.json/);
      });
    });
  });
}

let database: TestDatabase;
contract(`SQL store on ${process.env.DATABASE_URL ? 'PostgreSQL' : 'PGlite'}`, async () => {
  database = await openTestDatabase();
  const store = createSqlStore(database.database.sql);
  return { store, close: async () => { await store.close(); await database.cleanup(); } };
});

// Redis is a server this suite cannot start itself; CI sets REDIS_URL (see .ci/run).
describe.skipIf(!serverRedisUrl)('with Redis', () => {
  contract('Redis store', async () => {
    const keyPrefix = `campus-idp-contract:${randomBytes(6).toString('hex')}:`;
    const store = await createRedisStore({ url: serverRedisUrl as string, keyPrefix });
    return {
      store,
      async close() {
        const { Redis } = await import('ioredis');
        const redis = new Redis(serverRedisUrl as string);
        const keys = await redis.keys(`${keyPrefix}*`);
        if (keys.length) await redis.del(...keys);
        redis.disconnect();
        await store.close();
      },
    };
  });
});
