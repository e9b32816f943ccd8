// Serves interactions/public under /assets: a fixed set of files read once at boot, with long-lived caching
// headers, plus browser scripts bundled at boot. Nothing from the request path reaches the file system.
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import type { Context, Next } from 'koa';

const types: Record<string, string> = { '.css': 'text/css; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.svg': 'image/svg+xml', '.png': 'image/png', '.ico': 'image/x-icon' };

/** Browser libraries served from node_modules: public name under the prefix → package and file inside it. */
export const vendorAssets: Record<string, { packageName: string; file: string }> = {
  'vendor/simplewebauthn-browser.js': { packageName: '@simplewebauthn/browser', file: 'dist/bundle/index.umd.min.js' },
  // The ALTCHA captcha widget without bundled workers or inline styles (so it runs under our CSP), and its SHA worker.
  'vendor/altcha.js': { packageName: 'altcha', file: 'dist/external/altcha.min.js' },
  'vendor/altcha.css': { packageName: 'altcha', file: 'dist/external/altcha.css' },
  'vendor/altcha-sha-worker.js': { packageName: 'altcha', file: 'dist/workers/sha.js' },
};

/**
 * Browser scripts written in TypeScript that import npm packages shipping only ESM: public name under the prefix →
 * entry file. esbuild (a production dependency) bundles each into one IIFE in memory at start-up.
 */
export const bundledAssets: Record<string, string> = {
  'password-meter.js': new URL('../../interactions/browser/password-meter.ts', import.meta.url).pathname,
};

interface Asset {
  body: Buffer;
  type: string;
  /** Kept for large bundles only (the meter carries a 49,000-word list). */
  gzip?: Buffer;
}

// Once per process: tests start many servers, and the bundle does not change while the process runs.
const bundles = new Map<string, Asset>();

function bundle(entry: string): Asset {
  let asset = bundles.get(entry);
  if (!asset) {
    const result = buildSync({ entryPoints: [entry], bundle: true, format: 'iife', platform: 'browser', target: ['es2019'], minify: true, write: false, logLevel: 'silent' });
    const body = Buffer.from(result.outputFiles[0]?.contents ?? new Uint8Array());
    asset = { body, type: types['.js'] as string, gzip: gzipSync(body) };
    bundles.set(entry, asset);
  }
  return asset;
}

/** A package's directory, found through its entry point (its `exports` may hide package.json and dist/). */
function packageDirectory(packageName: string): string {
  const entry = createRequire(import.meta.url).resolve(packageName);
  const marker = `/node_modules/${packageName}/`;
  return entry.slice(0, entry.lastIndexOf(marker) + marker.length);
}

export function staticAssets(directory: string, prefix = '/assets/', vendor: typeof vendorAssets = {}, bundled: typeof bundledAssets = {}) {
  const files = new Map<string, Asset>();
  for (const name of readdirSync(directory)) {
    const type = types[extname(name)];
    if (type) files.set(prefix + name, { body: readFileSync(join(directory, name)), type });
  }
  for (const [name, { packageName, file }] of Object.entries(vendor)) {
    files.set(prefix + name, { body: readFileSync(join(packageDirectory(packageName), file)), type: types[extname(name)] ?? 'application/octet-stream' });
  }
  for (const [name, entry] of Object.entries(bundled)) files.set(prefix + name, bundle(entry));
  return async function serve(ctx: Context, next: Next): Promise<void> {
    const file = ctx.method === 'GET' || ctx.method === 'HEAD' ? files.get(ctx.path) : undefined;
    if (!file) return next();
    ctx.type = file.type;
    ctx.set('Cache-Control', 'public, max-age=3600');
    if (file.gzip) {
      ctx.vary('Accept-Encoding');
      if (ctx.acceptsEncodings('gzip', 'identity') === 'gzip') {
        ctx.set('Content-Encoding', 'gzip');
        ctx.body = file.gzip;
        return;
      }
    }
    ctx.body = file.body;
  };
}
