import { Pool } from 'undici';

/**
 * A closed-loop load generator on undici with exact latency percentiles (hrtime, no histogram
 * bucketing: autocannon records whole milliseconds, too coarse for a sub-millisecond target).
 */
export interface LoadResult {
  requests: number;
  errors: number;
  rps: number;
  p50: number;
  p99: number;
  mean: number;
}

export interface LoadOptions {
  origin: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  concurrency: number;
  durationMs: number;
  /** Time to first byte instead of the full response. */
  measureFirstByte?: boolean;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const pool = new Pool(o.origin, { connections: o.concurrency, pipelining: 1, keepAliveTimeout: 60_000 });
  const latencies: number[] = [];
  let errors = 0;
  const started = performance.now();
  const until = started + o.durationMs;
  const worker = async () => {
    while (performance.now() < until) {
      const t0 = performance.now();
      try {
        const res = await pool.request({ path: o.path, method: 'POST', headers: o.headers, body: o.body });
        let firstByte: number | undefined;
        for await (const _chunk of res.body) {
          firstByte ??= performance.now();
        }
        const end = o.measureFirstByte ? (firstByte ?? performance.now()) : performance.now();
        if (res.statusCode !== 200) errors++;
        else latencies.push(end - t0);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const elapsed = performance.now() - started;
  await pool.close();
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length + errors,
    errors,
    rps: (latencies.length / elapsed) * 1000,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    mean: latencies.reduce((a, b) => a + b, 0) / Math.max(1, latencies.length),
  };
}
