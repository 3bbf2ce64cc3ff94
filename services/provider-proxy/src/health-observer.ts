import type { Bus } from '@gatewayz/bus';

export interface HealthObservation {
  provider: string;
  model: string;
  native_model: string;
  /** Upstream HTTP status; 0 when no response arrived. */
  status: number;
  error_code: string | null;
  duration_ms: number;
  /** This attempt's own time to its first chunk (successes only). */
  ttft_ms: number | null;
  /** Output tokens of a served attempt (for throughput); null otherwise. */
  output_tokens: number | null;
  at: number;
}

/**
 * Passive health capture: every attempt's outcome, published on core NATS as
 * `health.observation` in batches (one message per flush interval), off the request path. The
 * signal may lose a batch (architecture: loss allowed); a batch beyond `maxBatch` is flushed at
 * once, so memory stays bounded.
 */
export class HealthObserver {
  private batch: HealthObservation[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly bus: () => Bus | undefined,
    private readonly options: { flushMs: number; maxBatch: number } = { flushMs: 1_000, maxBatch: 500 },
  ) {
    this.timer = setInterval(() => this.flush(), options.flushMs);
    this.timer.unref();
  }

  record(observation: HealthObservation): void {
    this.batch.push(observation);
    if (this.batch.length >= this.options.maxBatch) this.flush();
  }

  flush(): void {
    if (this.batch.length === 0) return;
    const observations = this.batch;
    this.batch = [];
    this.bus()?.publishCore('health.observation', { observations });
  }

  close(): void {
    clearInterval(this.timer);
    this.flush();
  }
}
