// Serves interactions/public under /assets: a fixed set of files read once at boot, with long-lived caching
// headers. Nothing from the request path reaches the file system.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import type { Context, Next } from 'koa';

const types: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

export function staticAssets(directory: string, prefix = '/assets/') {
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(directory)) {
    const type = types[extname(name)];
    if (type) files.set(prefix + name, { body: readFileSync(join(directory, name)), type });
  }
  return async function serve(ctx: Context, next: Next): Promise<void> {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    ctx.body = file.body;
  };
}
