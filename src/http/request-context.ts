// First middleware: a request id (echoed in X-Request-Id and every log line), one access-log line per request
// (path only: query strings carry codes and tickets), and the last-resort error page — never a stack trace.
import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Logger } from '../lib/logger.ts';
import { isAppError } from '../lib/errors.ts';
import { renderErrorPage } from '../../interactions/render.ts';

export function requestContext(logger: Logger, trustProxy: boolean) {
  return async function handle(ctx: Context, next: Next): Promise<void> {
    const incoming = ctx.get('x-request-id');
    const requestId = trustProxy && /^[A-Za-z0-9._-]{1,64}$/.test(incoming) ? incoming : randomUUID();
    ctx.state.requestId = requestId;
    ctx.state.logger = logger.child({ requestId });
    ctx.set('X-Request-Id', requestId);
    const started = performance.now();
    try {
      await next();
    } catch (error) {
      const status = isAppError(error) ? error.status : 500;
      if (status >= 500) ctx.state.logger.error({ err: error }, 'request failed');
      ctx.status = status;
      if (ctx.path.startsWith('/api/') || ctx.accepts('html', 'json') === 'json') {
        ctx.body = {
          error: isAppError(error) && error.expose ? error.code : 'internal_error',
          request_id: requestId,
        };
      } else {
        ctx.type = 'html';
        ctx.body = renderErrorPage(ctx, isAppError(error) && error.expose ? error.code : 'internal_error');
      }
    } finally {
      ctx.state.logger.info(
        { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(performance.now() - started) },
        'request',
      );
    }
  };
}
