// A small closed-loop load generator: `concurrency` workers repeat one operation for `seconds`, recording
// each operation's latency. Used by bench/run.ts; loopback only.
import { readFileSync } from 'node:fs';
export interface LoadResult {
  operations: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

/**
 * `operation` may resolve to 'done' to end its worker early (e.g. a pool of pre-issued tickets ran out), or to
 * the milliseconds of the part it measured itself (e.g. approval → sign-in, without the set-up before it).
 */
export async function runLoad(operation: (worker: number) => Promise<void | 'done' | number>, options: { seconds: number; concurrency: number }): Promise<LoadResult> {
  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + options.seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: options.concurrency }, async (_, worker) => {
      while (performance.now() < deadline) {
        const begin = performance.now();
        try {
          const result = await operation(worker);
          if (result === 'done') return;
          latencies.push(typeof result === 'number' ? result : performance.now() - begin);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
  return { operations: latencies.length, seconds: elapsed, perSecond: latencies.length / elapsed, p50: at(0.5), p99: at(0.99), errors };
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function processCpuSeconds(pid: number): number {
  // Fields 14 and 15 of /proc/<pid>/stat are utime and stime in clock ticks (100 per second on Linux).
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
