import type { BreakerBoard } from '@gatewayz/breakers';
import { HealthBook, healthKey, type HealthObservation, type HealthStats } from '@gatewayz/routing';

/**
 * What routing knows live about providers: passive health from provider-proxy's
 * `health.observation` batches and the breakers (via BreakerBoard). `absorb` returns whether a
 * provider crossed the promotion threshold, so the edge's cached chains can be cleared.
 */
/** Per provider+model: enough for a stable median, small enough for thousands of active models. */
export const HEALTH_SAMPLES_PER_KEY = 100;
const PRUNE_EVERY_MS = 60_000;

export class LiveState {
  readonly book: HealthBook;
  private readonly healthy = new Map<string, boolean>();
  private lastPrune = 0;

  constructor(
    readonly breakers: BreakerBoard,
    options: { windowMs: number; minSamples: number; promotionThreshold: number },
    private readonly now: () => number = Date.now,
  ) {
    this.book = new HealthBook({ windowMs: options.windowMs, maxSamples: HEALTH_SAMPLES_PER_KEY, minSamples: options.minSamples });
    this.threshold = options.promotionThreshold;
  }

  readonly threshold: number;

  health(provider: string, model: string): HealthStats | undefined {
    return this.book.stats(provider, model, this.now());
  }

  openUntil(provider: string, model: string): number | undefined {
    return this.breakers.openUntil(provider, model, this.now());
  }

  /** One batch of observations; true when some provider's healthy/unhealthy verdict flipped. */
  absorb(observations: HealthObservation[]): boolean {
    const touched = new Map<string, HealthObservation>();
    for (const o of observations) {
      this.book.record(o);
      touched.set(healthKey(o.provider, o.model), o);
    }
    let flipped = false;
    const now = this.now();
    if (now - this.lastPrune >= PRUNE_EVERY_MS) {
      this.lastPrune = now;
      for (const key of this.book.prune(now)) this.healthy.delete(key);
    }
    for (const [key, o] of touched) {
      const stats = this.book.stats(o.provider, o.model, now);
      const healthy = (stats?.score ?? 100) >= this.threshold;
      if ((this.healthy.get(key) ?? true) !== healthy) flipped = true;
      this.healthy.set(key, healthy);
    }
    return flipped;
  }
}
