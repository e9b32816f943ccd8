// /healthz: the process answers. /readyz: the stores answer too (a load balancer stops sending traffic otherwise).
import Router from '@koa/router';
import type { Database } from '../data/database.ts';
import type { KeyValueStore } from '../data/kv-store.ts';

export function healthRoutes(database: Database, store: KeyValueStore): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const check = async (probe: () => Promise<unknown>) => {
      try {
        await Promise.race([probe(), new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 2_000).unref())]);
        return 'ok';
      } catch {
        return 'unavailable';
      }
    };
    const [db, kv] = await Promise.all([check(() => database.sql.query('select 1')), check(() => store.ping())]);
    ctx.status = db === 'ok' && kv === 'ok' ? 200 : 503;
    ctx.body = { database: db, store: kv };
  });
  return router;
}
