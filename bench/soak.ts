// The long mixed run for "RSS flat over ten minutes" (BENCH_SOAK_SECONDS): a fixed mix of sign-ins, refreshes,
// userinfo, introspection and CAS validations at a bounded rate, sampling the server's resident memory as it goes.
import { readFileSync } from 'node:fs';
import { runLoad, type LoadResult } from './load.ts';

export interface SoakSample {
  second: number;
  rssMiB: number;
  operations: number;
}

/** Resident set size of a process in MiB, from /proc. */
export function residentMiB(pid: number): number {
  const line = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(line?.[1] ?? 0) / 1024;
}

/**
 * Runs `mix` round-robin (each worker walks the list) for `seconds`, each worker pausing so the whole run stays
 * near `perSecond`, and samples the RSS of `pid` every `sampleSeconds`.
 */
export async function soak(options: { pid: number; seconds: number; perSecond: number; concurrency: number; sampleSeconds: number; mix: ((worker: number) => Promise<void>)[] }): Promise<{ load: LoadResult; samples: SoakSample[] }> {
  const samples: SoakSample[] = [];
  let operations = 0;
  const started = performance.now();
  const sample = () => samples.push({ second: Math.round((performance.now() - started) / 1000), rssMiB: residentMiB(options.pid), operations });
  sample();
  const timer = setInterval(sample, options.sampleSeconds * 1000);
  const pauseMs = (options.concurrency * 1000) / options.perSecond;
  const steps = new Array<number>(options.concurrency).fill(0);
  try {
    const load = await runLoad(async (worker) => {
      const begin = performance.now();
      const step = steps[worker]!++;
      await options.mix[(step + worker) % options.mix.length]!(worker);
      operations++;
      const measured = performance.now() - begin;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, pauseMs - measured)));
      return measured;
    }, { seconds: options.seconds, concurrency: options.concurrency });
    sample();
    return { load, samples };
  } finally {
    clearInterval(timer);
  }
}

/** Least-squares growth of RSS in MiB per minute over the samples after the first `skipSeconds` (warm-up). */
export function rssSlopePerMinute(samples: SoakSample[], skipSeconds: number): number {
  const points = samples.filter((entry) => entry.second >= skipSeconds);
  if (points.length < 2) return 0;
  const meanX = points.reduce((sum, entry) => sum + entry.second, 0) / points.length;
  const meanY = points.reduce((sum, entry) => sum + entry.rssMiB, 0) / points.length;
  const covariance = points.reduce((sum, entry) => sum + (entry.second - meanX) * (entry.rssMiB - meanY), 0);
  const variance = points.reduce((sum, entry) => sum + (entry.second - meanX) ** 2, 0);
  return (covariance / variance) * 60;
}
