// Drives one workload with `wrk` (a native load generator, Debian's `wrk` package) pinned to the second core, so
// the generator is not the ceiling for cheap requests. Scripts live in bench/wrk/; each prints one WRK_RESULT line.
import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { LoadResult } from './load.ts';

const scripts = new URL('./wrk/', import.meta.url).pathname;

export const hasWrk = spawnSync('wrk', ['-v']).error === undefined;

export interface WrkWorkload {
  url: string;
  /** 'request.lua' (a fixed request) or 'refresh.lua' (rotation chains from WRK_TOKENS). */
  script: 'request.lua' | 'refresh.lua';
  env: Record<string, string>;
  connections: number;
  seconds: number;
  pinToCore?: number;
}

export async function runWrk(workload: WrkWorkload): Promise<LoadResult> {
  const args = ['-t1', `-c${workload.connections}`, `-d${workload.seconds}s`, '--timeout', '5s', '-s', join(scripts, workload.script), workload.url];
  const [command, argv] = workload.pinToCore === undefined ? ['wrk', args] : ['taskset', ['-c', String(workload.pinToCore), 'wrk', ...args]];
  const child = spawn(command, argv, { env: { PATH: process.env.PATH, ...workload.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  const line = output.split('\n').find((entry) => entry.startsWith('WRK_RESULT '));
  if (code !== 0 || !line) throw new Error(`wrk failed (exit ${code}):\n${output}`);
  const result = JSON.parse(line.slice('WRK_RESULT '.length)) as { requests: number; duration_us: number; errors: number; p50_us: number; p99_us: number };
  const seconds = result.duration_us / 1e6;
  return { operations: result.requests, seconds, perSecond: result.requests / seconds, p50: result.p50_us / 1000, p99: result.p99_us / 1000, errors: result.errors };
}
