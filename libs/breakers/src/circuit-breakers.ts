import type { Redis } from '@gatewayz/redis';
import { isRedisReady } from '@gatewayz/redis';
import { breakerKey, parseBreakerKey } from './keys';
import { closedRecord, effectiveState, type BreakerPolicy, type BreakerRecord, type BreakerStateName, type StepResult } from './state-machine';
import { MemoryBreakerStore, RedisBreakerStore, type BreakerOp, type BreakerStore } from './stores';

/** Published on NATS (`breaker.transition`) and counted in Prometheus. */
export interface BreakerTransition {
  provider: string;
  /** Empty for the provider-wide breaker. */
  model: string;
  from: BreakerStateName;
  to: BreakerStateName;
  at: number;
  /** When an OPEN breaker admits probes again (0 otherwise). */
  retry_at: number;
  consecutive_failures: number;
}

export interface BreakerSnapshot {
  provider: string;
  model: string;
  /** Effective: OPEN past its cool-down reads half_open. */
  state: BreakerStateName;
  record: BreakerRecord;
}

/**
 * How an attempt ended, for the breakers:
 *  - success: both breakers (provider, provider+model) count a success;
 *  - provider_failure: the provider is in trouble (5xx, timeouts, connection errors, refused
 *    credentials): both count a failure;
 *  - model_failure: only this model is (404 model not found at this provider).
 */
export type AttemptVerdict = 'success' | 'provider_failure' | 'model_failure';

export type Admission = { allowed: true } | { allowed: false; retryAt: number; provider: string; model: string };

export interface CircuitBreakersOptions {
  policy: BreakerPolicy;
  namespace: string;
  /** Shared state; without it (or while it is unreachable) this process keeps its own. */
  redis?: Redis;
  onTransition?: (t: BreakerTransition) => void;
  onStoreError?: (err: unknown) => void;
  now?: () => number;
}

/**
 * Circuit breakers per provider and per provider+model, for provider-proxy. The decision for
 * a CLOSED breaker costs no I/O: a local mirror (updated by this replica's own writes, by other
 * replicas' transitions on NATS via `applyRemote`, and by `sync`) answers it. Anything else goes
 * to the store, where each update is atomic. Redis down: this replica's in-process store.
 */
export class CircuitBreakers {
  private readonly mirror = new Map<string, BreakerRecord>();
  private readonly memory: MemoryBreakerStore;
  private readonly shared: RedisBreakerStore | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakersOptions) {
    this.memory = new MemoryBreakerStore(options.policy);
    this.shared = options.redis ? new RedisBreakerStore(options.redis, options.namespace, options.policy) : undefined;
    this.now = options.now ?? Date.now;
  }

  get policy(): BreakerPolicy {
    return this.options.policy;
  }

  /** The store in use right now. */
  get storeName(): 'redis' | 'memory' {
    return this.shared && isRedisReady(this.options.redis) ? 'redis' : 'memory';
  }

  private async apply(ops: BreakerOp[]): Promise<StepResult[]> {
    const now = this.now();
    if (this.shared && isRedisReady(this.options.redis)) {
      try {
        return this.absorb(ops, await this.shared.apply(ops, now));
      } catch (err) {
        this.options.onStoreError?.(err);
      }
    }
    return this.absorb(ops, await this.memory.apply(ops, now));
  }

  private absorb(ops: BreakerOp[], results: StepResult[]): StepResult[] {
    results.forEach((result, i) => {
      const key = ops[i]!.key;
      this.mirror.set(key, result.record);
      if (result.transition) this.announce(key, result);
    });
    return results;
  }

  private announce(key: string, result: StepResult): void {
    const { provider, model } = parseBreakerKey(key);
    const r = result.record;
    const t: BreakerTransition = {
      provider,
      model,
      from: result.transition!.from,
      to: result.transition!.to,
      at: r.updatedAt,
      retry_at: r.state === 'open' ? r.retryAt : 0,
      consecutive_failures: r.failures,
    };
    if (t.to === 'open') this.scheduleTick(key, r.retryAt);
    this.options.onTransition?.(t);
  }

  /** OPEN → HALF_OPEN when the cool-down ends, announced even without traffic. */
  private scheduleTick(key: string, at: number): void {
    clearTimeout(this.timers.get(key));
    const timer = setTimeout(() => {
      this.timers.delete(key);
      void this.apply([{ key, event: 'tick' }]).catch(() => undefined);
    }, Math.max(0, at - this.now()));
    timer.unref();
    this.timers.set(key, timer);
  }

  /** May a request go to `provider` for `model` now? Grants a probe in HALF_OPEN. */
  async acquire(provider: string, model: string): Promise<Admission> {
    const keys = [breakerKey(provider), breakerKey(provider, model)];
    const guarded = keys.filter((k) => (this.mirror.get(k)?.state ?? 'closed') !== 'closed');
    if (guarded.length === 0) return { allowed: true };
    const results = await this.apply(guarded.map((key) => ({ key, event: 'acquire' as const })));
    const refused = results.findIndex((r) => !r.allowed);
    if (refused < 0) return { allowed: true };
    // A probe slot granted by the other breaker goes back.
    const granted = guarded.filter((_, i) => results[i]!.allowed && results[i]!.record.state === 'half_open');
    if (granted.length > 0) await this.apply(granted.map((key) => ({ key, event: 'release' as const })));
    const key = parseBreakerKey(guarded[refused]!);
    return { allowed: false, retryAt: results[refused]!.record.retryAt, provider: key.provider, model: key.model };
  }

  /** A request admitted as a probe ended without a verdict (rate limited, cancelled). */
  async release(provider: string, model: string): Promise<void> {
    const keys = [breakerKey(provider), breakerKey(provider, model)].filter((k) => this.mirror.get(k)?.state === 'half_open');
    if (keys.length > 0) await this.apply(keys.map((key) => ({ key, event: 'release' as const })));
  }

  async record(provider: string, model: string, verdict: AttemptVerdict): Promise<void> {
    const p = breakerKey(provider);
    const m = breakerKey(provider, model);
    const ops: BreakerOp[] =
      verdict === 'success'
        ? [
            { key: p, event: 'success' },
            { key: m, event: 'success' },
          ]
        : verdict === 'provider_failure'
          ? [
              { key: p, event: 'failure' },
              { key: m, event: 'failure' },
            ]
          : [{ key: m, event: 'failure' }];
    await this.apply(ops);
  }

  /** Closes a provider's breaker and its per-model ones; returns how many changed. */
  async reset(provider: string): Promise<number> {
    const known = await this.snapshotRecords();
    const keys = [...new Set([breakerKey(provider), ...[...known.keys()].filter((k) => parseBreakerKey(k).provider === provider)])];
    const results = await this.apply(keys.map((key) => ({ key, event: 'reset' as const })));
    return results.filter((r) => r.changed).length;
  }

  async resetAll(): Promise<number> {
    const keys = [...(await this.snapshotRecords()).keys()];
    const results = await this.apply(keys.map((key) => ({ key, event: 'reset' as const })));
    return results.filter((r) => r.changed).length;
  }

  /** Every breaker with a record, effective state, provider-wide first. */
  async list(): Promise<BreakerSnapshot[]> {
    const now = this.now();
    const records = await this.snapshotRecords();
    return [...records.entries()]
      .map(([key, record]) => ({ ...parseBreakerKey(key), state: effectiveState(record, now), record }))
      .sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
  }

  /** One breaker's view; a breaker never seen is CLOSED. */
  async get(provider: string, model = ''): Promise<BreakerSnapshot> {
    const record = (await this.snapshotRecords()).get(breakerKey(provider, model)) ?? closedRecord();
    return { provider, model, state: effectiveState(record, this.now()), record };
  }

  private async snapshotRecords(): Promise<Map<string, BreakerRecord>> {
    if (this.shared && isRedisReady(this.options.redis)) {
      try {
        return await this.shared.snapshot();
      } catch (err) {
        this.options.onStoreError?.(err);
      }
    }
    return this.memory.snapshot();
  }

  /** Re-reads the shared store into the mirror (a backstop for lost NATS messages). */
  async sync(): Promise<void> {
    const records = await this.snapshotRecords();
    for (const key of this.mirror.keys()) if (!records.has(key)) this.mirror.delete(key);
    for (const [key, record] of records) this.mirror.set(key, record);
  }

  /** Another replica's transition, from NATS. */
  applyRemote(t: BreakerTransition): void {
    const key = breakerKey(t.provider, t.model);
    const current = this.mirror.get(key) ?? closedRecord();
    this.mirror.set(key, { ...current, state: t.to, retryAt: t.retry_at, failures: t.consecutive_failures, updatedAt: t.at });
  }

  close(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}
