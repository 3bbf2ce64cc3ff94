/**
 * Velocity mode (layer 1): when the share of failed requests over a sliding window exceeds a
 * threshold, IP limits are halved; the mode lifts once the rate has stayed at or below the
 * threshold for a full cool-down. Counts live in one-second buckets of a ring buffer, so
 * recording and reading cost O(1) amortized.
 */
export interface VelocityOptions {
  /** Sliding window the error rate is measured over (spec: 3 minutes). */
  windowMs: number;
  /** Rate above which the mode activates (spec: 0.25). */
  errorRateThreshold: number;
  /** Calm time before the mode lifts (spec: 3 minutes). */
  cooldownMs: number;
  /** Fewer requests than this in the window never activate the mode. */
  minRequests: number;
  /** Limit multiplier while active (spec: 0.5). */
  factor: number;
  now?: () => number;
}

export interface VelocityState {
  active: boolean;
  errorRate: number;
  requests: number;
  errors: number;
  /** When the current activation began (ms), or null. */
  activeSinceMs: number | null;
  /** When the mode lifts if the rate stays calm (ms), or null. */
  liftsAtMs: number | null;
  thresholdRate: number;
  windowMs: number;
  cooldownMs: number;
  factor: number;
}

const BUCKET_MS = 1_000;

export class VelocityMonitor {
  private readonly buckets: { requests: number; errors: number; second: number }[];
  private requests = 0;
  private errors = 0;
  private activeSince: number | null = null;
  private lastHotMs = 0;
  private expiredAt = -1;
  private readonly now: () => number;

  constructor(private readonly options: VelocityOptions) {
    const n = Math.max(1, Math.ceil(options.windowMs / BUCKET_MS));
    this.buckets = Array.from({ length: n }, () => ({ requests: 0, errors: 0, second: -1 }));
    this.now = options.now ?? Date.now;
  }

  /** Counts one answered request. */
  record(failed: boolean): void {
    const nowMs = this.now();
    const second = Math.floor(nowMs / BUCKET_MS);
    const b = this.bucket(second);
    b.requests++;
    this.requests++;
    if (failed) {
      b.errors++;
      this.errors++;
    }
    this.evaluate(nowMs);
  }

  /** Limit multiplier right now: 1, or `factor` in velocity mode. */
  multiplier(): number {
    this.evaluate(this.now());
    return this.activeSince === null ? 1 : this.options.factor;
  }

  state(): VelocityState {
    const nowMs = this.now();
    this.evaluate(nowMs);
    const active = this.activeSince !== null;
    return {
      active,
      errorRate: this.requests === 0 ? 0 : this.errors / this.requests,
      requests: this.requests,
      errors: this.errors,
      activeSinceMs: this.activeSince,
      liftsAtMs: active ? this.lastHotMs + this.options.cooldownMs : null,
      thresholdRate: this.options.errorRateThreshold,
      windowMs: this.options.windowMs,
      cooldownMs: this.options.cooldownMs,
      factor: this.options.factor,
    };
  }

  private bucket(second: number): { requests: number; errors: number; second: number } {
    this.expire(second);
    const b = this.buckets[second % this.buckets.length]!;
    if (b.second !== second) {
      b.second = second;
      b.requests = 0;
      b.errors = 0;
    }
    return b;
  }

  /** Drops buckets that have left the window from the running totals. */
  private expire(second: number): void {
    if (second === this.expiredAt) return;
    this.expiredAt = second;
    const oldest = second - this.buckets.length;
    for (const b of this.buckets) {
      if (b.second !== -1 && b.second <= oldest) {
        this.requests -= b.requests;
        this.errors -= b.errors;
        b.second = -1;
        b.requests = 0;
        b.errors = 0;
      }
    }
  }

  private evaluate(nowMs: number): void {
    this.expire(Math.floor(nowMs / BUCKET_MS));
    const hot = this.requests >= this.options.minRequests && this.errors / this.requests > this.options.errorRateThreshold;
    if (hot) {
      this.lastHotMs = nowMs;
      this.activeSince ??= nowMs;
    } else if (this.activeSince !== null && nowMs - this.lastHotMs >= this.options.cooldownMs) {
      this.activeSince = null;
    }
  }
}
