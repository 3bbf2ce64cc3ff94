/**
 * The circuit-breaker state machine as one pure function (spec AC-2.5, CM-5.3):
 *
 *   CLOSED --(failureThreshold consecutive failures)--> OPEN
 *   OPEN   --(cool-down elapsed: a probe is let through)--> HALF_OPEN
 *   HALF_OPEN --(successThreshold probe successes)--> CLOSED
 *   HALF_OPEN --(a probe fails)--> OPEN (cool-down restarts)
 *
 * At most `halfOpenMaxProbes` requests are in flight in HALF_OPEN; a probe slot that is never
 * reported (a replica died mid-request) is reclaimed after one cool-down. The Redis store runs
 * the same rules in Lua (redis-store.ts); the spec table in state-machine.spec.ts and the Redis
 * test run the same scenarios against both.
 */
export type BreakerStateName = 'closed' | 'open' | 'half_open';

export interface BreakerRecord {
  state: BreakerStateName;
  /** Consecutive failures while CLOSED. */
  failures: number;
  /** When it last opened (ms since epoch); 0 when CLOSED. */
  openedAt: number;
  /** When an OPEN breaker lets a probe through. */
  retryAt: number;
  /** Probes in flight (HALF_OPEN). */
  probes: number;
  /** When the last probe slot was granted. */
  probeAt: number;
  /** Consecutive probe successes (HALF_OPEN). */
  successes: number;
  updatedAt: number;
}

export interface BreakerPolicy {
  failureThreshold: number;
  cooldownMs: number;
  halfOpenMaxProbes: number;
  successThreshold: number;
}

export const DEFAULT_POLICY: BreakerPolicy = { failureThreshold: 5, cooldownMs: 60_000, halfOpenMaxProbes: 1, successThreshold: 1 };

/**
 * acquire: may a request go through? (grants a probe slot in HALF_OPEN)
 * release: a granted probe did not run (another breaker refused the request)
 * success / failure: how a request that went through ended
 * tick: the cool-down timer fired (OPEN → HALF_OPEN without waiting for traffic)
 * reset: an operator closed it
 */
export type BreakerEvent = 'acquire' | 'release' | 'success' | 'failure' | 'tick' | 'reset';

export interface StepResult {
  record: BreakerRecord;
  allowed: boolean;
  /** Set when the state changed. */
  transition?: { from: BreakerStateName; to: BreakerStateName };
  /** The record changed (must be written back). */
  changed: boolean;
}

export function closedRecord(): BreakerRecord {
  return { state: 'closed', failures: 0, openedAt: 0, retryAt: 0, probes: 0, probeAt: 0, successes: 0, updatedAt: 0 };
}

function open(r: BreakerRecord, now: number, policy: BreakerPolicy): BreakerRecord {
  return { ...r, state: 'open', openedAt: now, retryAt: now + policy.cooldownMs, probes: 0, probeAt: 0, successes: 0 };
}

function acquire(r: BreakerRecord, now: number, policy: BreakerPolicy): { next: BreakerRecord; allowed: boolean } {
  if (r.state === 'closed') return { next: r, allowed: true };
  if (r.state === 'open') {
    if (now < r.retryAt) return { next: r, allowed: false };
    return { next: { ...r, state: 'half_open', probes: 1, probeAt: now, successes: 0 }, allowed: true };
  }
  const probes = r.probes >= policy.halfOpenMaxProbes && now - r.probeAt >= policy.cooldownMs ? 0 : r.probes;
  if (probes >= policy.halfOpenMaxProbes) return { next: r, allowed: false };
  return { next: { ...r, probes: probes + 1, probeAt: now }, allowed: true };
}

function transitionOf(before: BreakerRecord, after: BreakerRecord, now: number, allowed = true): StepResult {
  const changed = JSON.stringify(before) !== JSON.stringify(after);
  const record = changed ? { ...after, updatedAt: now } : before;
  return {
    record,
    allowed,
    changed,
    transition: before.state !== after.state ? { from: before.state, to: after.state } : undefined,
  };
}

export function step(current: BreakerRecord | undefined, event: BreakerEvent, now: number, policy: BreakerPolicy): StepResult {
  const r = current ?? closedRecord();
  switch (event) {
    case 'acquire': {
      const { next, allowed } = acquire(r, now, policy);
      return transitionOf(r, next, now, allowed);
    }
    case 'release':
      return transitionOf(r, r.state === 'half_open' && r.probes > 0 ? { ...r, probes: r.probes - 1 } : r, now);
    case 'success': {
      if (r.state === 'closed') return transitionOf(r, r.failures === 0 ? r : { ...r, failures: 0 }, now);
      if (r.state === 'open') return transitionOf(r, r, now);
      const successes = r.successes + 1;
      if (successes >= policy.successThreshold) return transitionOf(r, closedRecord(), now);
      return transitionOf(r, { ...r, successes, probes: Math.max(0, r.probes - 1) }, now);
    }
    case 'failure': {
      if (r.state === 'open') return transitionOf(r, r, now);
      if (r.state === 'half_open') return transitionOf(r, open(r, now, policy), now);
      const failures = r.failures + 1;
      return transitionOf(r, failures >= policy.failureThreshold ? { ...open(r, now, policy), failures } : { ...r, failures }, now);
    }
    case 'tick':
      if (r.state !== 'open' || now < r.retryAt) return transitionOf(r, r, now);
      return transitionOf(r, { ...r, state: 'half_open', probes: 0, probeAt: 0, successes: 0 }, now);
    case 'reset':
      return transitionOf(r, r.state === 'closed' && r.failures === 0 ? r : closedRecord(), now);
  }
}

/** What a reader should believe now: an OPEN breaker past its cool-down admits probes. */
export function effectiveState(r: BreakerRecord | undefined, now: number): BreakerStateName {
  if (!r) return 'closed';
  if (r.state === 'open' && now >= r.retryAt) return 'half_open';
  return r.state;
}
