import { isRedisReady, type Redis } from '@gatewayz/redis';
import type { BreakerTransition } from './circuit-breakers';
import { breakerKey } from './keys';
import type { BreakerRecord } from './state-machine';
import { DEFAULT_POLICY } from './state-machine';
import { RedisBreakerStore } from './stores';

/**
 * A read-only view of the breakers for routing, which leaves providers whose breaker is OPEN
 * out of the chains it builds. Fed by transitions on NATS, re-read from Redis periodically.
 * Provider-proxy re-checks at attempt time, so a stale view only costs one skipped attempt.
 */
export class BreakerBoard {
  private records = new Map<string, { state: BreakerRecord['state']; retryAt: number }>();
  private readonly store: RedisBreakerStore | undefined;

  constructor(private readonly redis: Redis | undefined, namespace: string) {
    // The policy is irrelevant to a reader (it never writes).
    this.store = redis ? new RedisBreakerStore(redis, namespace, DEFAULT_POLICY) : undefined;
  }

  async refresh(): Promise<void> {
    if (!this.store || !isRedisReady(this.redis)) return;
    const snapshot = await this.store.snapshot();
    this.records = new Map([...snapshot].map(([k, r]) => [k, { state: r.state, retryAt: r.retryAt }]));
  }

  apply(t: BreakerTransition): void {
    this.records.set(breakerKey(t.provider, t.model), { state: t.to, retryAt: t.retry_at });
  }

  /** When the provider (or this model at it) is OPEN and still cooling down: until when. */
  openUntil(provider: string, model: string, now: number): number | undefined {
    let until: number | undefined;
    for (const key of [breakerKey(provider), breakerKey(provider, model)]) {
      const r = this.records.get(key);
      if (r && r.state === 'open' && now < r.retryAt) until = Math.max(until ?? 0, r.retryAt);
    }
    return until;
  }

  get size(): number {
    return this.records.size;
  }
}
