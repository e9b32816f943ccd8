// Prometheus metrics (prom-client): process defaults, request latency by route kind, sign-ins by result, CAS
// validations by result. Served at /metrics only when METRICS_TOKEN is set, to holders of that bearer token.
import Router from '@koa/router';
import type { Context, Next } from 'koa';
import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { constantTimeEqual } from '../lib/crypto.ts';

export interface Metrics {
  registry: Registry;
  signIns: Counter<'result'>;
  secondFactors: Counter<'result'>;
  casValidations: Counter<'result'>;
  codeSends: Counter<'connector' | 'result'>;
  middleware(ctx: Context, next: Next): Promise<void>;
  routes(token: string | undefined): Router;
}

/** Bounded label values: the first path segment, never ids or tickets. */
function routeKind(path: string): string {
  const first = path.split('/')[1] ?? '';
  return ['auth', 'token', 'me', 'interaction', 'cas', 'session', 'jwks', 'request', '.well-known', 'healthz', 'readyz', 'assets'].includes(first) ? first || 'root' : 'other';
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const latency = new Histogram({
    name: 'campus_idp_http_request_seconds',
    help: 'HTTP request latency by route kind and status class',
    labelNames: ['route', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const signIns = new Counter({ name: 'campus_idp_sign_ins_total', help: 'Password sign-ins by result', labelNames: ['result'] as const, registers: [registry] });
  const secondFactors = new Counter({ name: 'campus_idp_second_factors_total', help: 'Second-factor checks by result', labelNames: ['result'] as const, registers: [registry] });
  const casValidations = new Counter({ name: 'campus_idp_cas_validations_total', help: 'CAS ticket validations by result', labelNames: ['result'] as const, registers: [registry] });
  const codeSends = new Counter({ name: 'campus_idp_code_sends_total', help: 'Verification codes sent, by connector and result', labelNames: ['connector', 'result'] as const, registers: [registry] });

  return {
    registry,
    signIns,
    secondFactors,
    casValidations,
    codeSends,
    async middleware(ctx, next) {
      const stop = latency.startTimer();
      try {
        await next();
      } finally {
        stop({ route: routeKind(ctx.path), status: `${Math.floor(ctx.status / 100)}xx` });
      }
    },
    routes(token) {
      const router = new Router();
      router.get('/metrics', async (ctx) => {
        const presented = ctx.get('authorization').replace(/^Bearer\s+/i, '');
        if (!token) return; // not configured: 404 from the provider below
        if (!presented || !constantTimeEqual(presented, token)) {
          ctx.status = 401;
          ctx.body = { error: 'unauthorized' };
          return;
        }
        ctx.type = registry.contentType;
        ctx.body = await registry.metrics();
      });
      return router;
    },
  };
}
