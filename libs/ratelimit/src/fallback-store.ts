import { LRUCache } from 'lru-cache';

/** The in-process fallback's size: 500 subjects, each forgotten 15 minutes after its last use. */
export const FALLBACK_ENTRIES = 500;
export const FALLBACK_TTL_MS = 15 * 60_000;

interface Counter {
  value: number;
  expiresAtMs: number;
}

interface SubjectState {
  counters: Map<string, Counter>;
  /** Timestamps of a sliding log, oldest first. */
  log: number[];
}

/**
 * What limiters keep in process while Redis is unavailable: an LRU of subjects (a key, an IP
 * hash, a user), each with its window counters and sliding log. Per replica, but it still limits.
 */
export class FallbackStore {
  private readonly subjects: LRUCache<string, SubjectState>;

  constructor(options: { maxEntries?: number; ttlMs?: number; now?: () => number } = {}) {
    this.subjects = new LRUCache<string, SubjectState>({
      max: options.maxEntries ?? FALLBACK_ENTRIES,
      ttl: options.ttlMs ?? FALLBACK_TTL_MS,
      updateAgeOnGet: true,
      ...(options.now ? { perf: { now: options.now }, ttlResolution: 0 } : {}),
    });
  }

  get size(): number {
    return this.subjects.size;
  }

  has(subject: string): boolean {
    return this.subjects.has(subject);
  }

  private state(subject: string, nowMs: number): SubjectState {
    let s = this.subjects.get(subject);
    if (!s) {
      s = { counters: new Map(), log: [] };
      this.subjects.set(subject, s);
    }
    for (const [key, c] of s.counters) if (c.expiresAtMs <= nowMs) s.counters.delete(key);
    return s;
  }

  read(subject: string, key: string, nowMs: number): number {
    return this.state(subject, nowMs).counters.get(key)?.value ?? 0;
  }

  add(subject: string, key: string, amount: number, expiresAtMs: number, nowMs: number): number {
    const { counters } = this.state(subject, nowMs);
    const c = counters.get(key) ?? { value: 0, expiresAtMs };
    c.value += amount;
    counters.set(key, c);
    return c.value;
  }

  /** The subject's sliding log with entries older than `sinceMs` dropped (mutable). */
  log(subject: string, sinceMs: number, nowMs: number): number[] {
    const { log } = this.state(subject, nowMs);
    while (log.length > 0 && log[0]! <= sinceMs) log.shift();
    return log;
  }
}
