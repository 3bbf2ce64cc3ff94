/**
 * Passive, per provider+model performance from provider-proxy's `health.observation` batches:
 * a bounded window of recent attempts per key (at most `maxSamples`, none older than
 * `windowMs`), from which routing reads p50 time to first token, output throughput, error rate
 * and a 0-100 score. Nothing here is on a request's path except reading a cached summary.
 */
export interface HealthObservation {
  provider: string;
  model: string;
  /** Upstream HTTP status; 0 when no response arrived. */
  status: number;
  error_code?: string | null;
  duration_ms: number;
  /** This attempt's own time to its first chunk (successes). */
  ttft_ms?: number | null;
  output_tokens?: number | null;
  at: number;
}

export interface HealthStats {
  samples: number;
  errorRate: number;
  /** 0-100: 100 × (1 − error rate). */
  score: number;
  p50TtftMs: number | undefined;
  /** Output tokens per second after the first token (median). */
  throughputTps: number | undefined;
}

export interface HealthBookOptions {
  windowMs: number;
  maxSamples: number;
  /** Below this many samples in the window, stats are "unknown". */
  minSamples: number;
}

interface Sample {
  at: number;
  ok: boolean;
  ttft: number | undefined;
  tps: number | undefined;
}

/** The client's own doing (bad request, cancellation): says nothing about the provider. */
function isClientSide(o: HealthObservation): boolean {
  return o.status === 400 || o.status === 413 || o.status === 422 || o.status === 499 || o.error_code === 'cancelled';
}

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export const healthKey = (provider: string, model: string) => `${provider}|${model.toLowerCase()}`;

export class HealthBook {
  private readonly samples = new Map<string, Sample[]>();
  private readonly cache = new Map<string, { at: number; stats: HealthStats | undefined }>();

  constructor(readonly options: HealthBookOptions) {}

  record(o: HealthObservation): void {
    if (!o.provider || !o.model || isClientSide(o)) return;
    const ok = o.status >= 200 && o.status < 300 && !o.error_code;
    const ttft = ok && typeof o.ttft_ms === 'number' && o.ttft_ms >= 0 ? o.ttft_ms : undefined;
    const streaming = ttft !== undefined ? o.duration_ms - ttft : 0;
    const tps = ok && o.output_tokens && streaming > 0 ? (o.output_tokens * 1000) / streaming : undefined;
    const key = healthKey(o.provider, o.model);
    let list = this.samples.get(key);
    if (!list) this.samples.set(key, (list = []));
    list.push({ at: o.at, ok, ttft, tps });
    if (list.length > this.options.maxSamples) list.splice(0, list.length - this.options.maxSamples);
    this.cache.delete(key);
  }

  /** Summary of the window, or undefined when there are fewer than minSamples samples. */
  stats(provider: string, model: string, now: number): HealthStats | undefined {
    const key = healthKey(provider, model);
    const cached = this.cache.get(key);
    // A summary is reused for a second: reading it is on the Resolve path.
    if (cached && now - cached.at < 1_000) return cached.stats;
    const stats = this.compute(key, now);
    this.cache.set(key, { at: now, stats });
    return stats;
  }

  private compute(key: string, now: number): HealthStats | undefined {
    const list = this.samples.get(key);
    if (!list) return undefined;
    const fresh = list.filter((s) => now - s.at <= this.options.windowMs);
    if (fresh.length !== list.length) {
      if (fresh.length === 0) this.samples.delete(key);
      else this.samples.set(key, fresh);
    }
    if (fresh.length < this.options.minSamples) return undefined;
    const errors = fresh.filter((s) => !s.ok).length;
    const errorRate = errors / fresh.length;
    return {
      samples: fresh.length,
      errorRate,
      score: Math.round(100 * (1 - errorRate)),
      p50TtftMs: median(fresh.flatMap((s) => (s.ttft === undefined ? [] : [s.ttft]))),
      throughputTps: median(fresh.flatMap((s) => (s.tps === undefined ? [] : [s.tps]))),
    };
  }

  /** Drops samples older than the window, and keys left without any (bounded memory). */
  prune(now: number): string[] {
    const dropped: string[] = [];
    for (const [key, list] of this.samples) {
      const fresh = list.filter((s) => now - s.at <= this.options.windowMs);
      if (fresh.length === 0) {
        this.samples.delete(key);
        this.cache.delete(key);
        dropped.push(key);
      } else if (fresh.length !== list.length) {
        this.samples.set(key, fresh);
        this.cache.delete(key);
      }
    }
    return dropped;
  }

  get size(): number {
    return this.samples.size;
  }
}
