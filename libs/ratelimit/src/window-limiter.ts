import { isRedisReady, type Redis } from '@gatewayz/redis';
import { FallbackStore } from './fallback-store';
import { LuaScript } from './lua-script';
import { windowAt, type WindowSpec } from './windows';

/** One limit on one subject, e.g. 20 requests per minute, or 40,000 tokens per minute. */
export interface CounterRule {
  /** Short stable name, part of the counter key: "rpm", "tpm", "tpd", "tpmo". */
  name: string;
  limit: number;
  window: WindowSpec;
  /**
   * What an allowed request adds at once: 1 for a request count; 0 for a gate that is only
   * checked now and filled later (tokens, known when the response ends).
   */
  cost: number;
}

export interface RuleState {
  name: string;
  limit: number;
  /** Counted in the current window (after this request, when it was allowed). */
  used: number;
  remaining: number;
  resetAtMs: number;
}

export interface Decision {
  allowed: boolean;
  states: RuleState[];
  /** The rule that refused the request. */
  blocked?: RuleState;
  /** 0 when allowed. */
  retryAfterMs: number;
  /** True when Redis was unavailable and the in-process fallback decided. */
  degraded: boolean;
}

/**
 * Check every rule; refuse when any is exhausted (used >= limit); otherwise add each rule's
 * cost. Atomic in Redis, so replicas never over-admit between a read and a write. A refused
 * request adds nothing.
 */
const CHECK = new LuaScript(`
local n = #KEYS
local used = {}
for i = 1, n do
  used[i] = tonumber(redis.call('GET', KEYS[i]) or '0')
  if used[i] >= tonumber(ARGV[(i - 1) * 3 + 1]) then
    local out = {0, i}
    for j = 1, i do out[#out + 1] = used[j] end
    return out
  end
end
local out = {1, 0}
for i = 1, n do
  local cost = tonumber(ARGV[(i - 1) * 3 + 2])
  if cost > 0 then
    used[i] = redis.call('INCRBY', KEYS[i], cost)
    if used[i] == cost then redis.call('PEXPIRE', KEYS[i], ARGV[(i - 1) * 3 + 3]) end
  end
  out[#out + 1] = used[i]
end
return out
`);

/** Adds an amount to counters (tokens after a response), creating them with their TTL. */
const ADD = new LuaScript(`
local amount = tonumber(ARGV[1])
for i = 1, #KEYS do
  local v = redis.call('INCRBY', KEYS[i], amount)
  if v == amount then redis.call('PEXPIRE', KEYS[i], ARGV[i + 1]) end
end
return 1
`);

/** Counters outlive their window a little, for replicas whose clocks differ slightly. */
const TTL_SLACK_MS = 5_000;

export interface WindowLimiterOptions {
  redis?: Redis;
  /** Namespaced key prefix, e.g. "gatewayz:rl:key:". */
  prefix: string;
  fallback?: FallbackStore;
  now?: () => number;
}

/**
 * Fixed-window counters shared through Redis (one Lua script per decision), with an in-process
 * fallback (FallbackStore) whenever Redis is down or slow: limiting never stops, and never
 * blocks a request on Redis.
 */
export class WindowLimiter {
  readonly fallback: FallbackStore;
  private readonly now: () => number;

  constructor(private readonly options: WindowLimiterOptions) {
    this.fallback = options.fallback ?? new FallbackStore({ now: options.now });
    this.now = options.now ?? Date.now;
  }

  private key(subject: string, rule: { name: string; window: WindowSpec }, nowMs: number): { key: string; endMs: number } {
    const w = windowAt(rule.window, nowMs);
    // The {subject} hash tag keeps a subject's counters in one Redis Cluster slot.
    return { key: `${this.options.prefix}{${subject}}:${rule.name}:${w.id}`, endMs: w.endMs };
  }

  async check(subject: string, rules: CounterRule[]): Promise<Decision> {
    const nowMs = this.now();
    const keys = rules.map((r) => this.key(subject, r, nowMs));
    const { redis } = this.options;
    if (isRedisReady(redis)) {
      try {
        const args = rules.flatMap((r, i) => [r.limit, r.cost, keys[i]!.endMs - nowMs + TTL_SLACK_MS]);
        const raw = (await CHECK.run(redis!, keys.map((k) => k.key), args)) as number[];
        return decide({ rules, keys, nowMs, allowed: raw[0] === 1, blockedIndex: raw[1]! - 1, used: raw.slice(2), degraded: false });
      } catch {
        // Redis unavailable or slow: the fallback decides.
      }
    }
    return this.checkLocally(subject, rules, keys, nowMs);
  }

  private checkLocally(subject: string, rules: CounterRule[], keys: { key: string; endMs: number }[], nowMs: number): Decision {
    const used: number[] = [];
    for (let i = 0; i < rules.length; i++) {
      used[i] = this.fallback.read(subject, keys[i]!.key, nowMs);
      if (used[i]! >= rules[i]!.limit) return decide({ rules, keys, nowMs, allowed: false, blockedIndex: i, used, degraded: true });
    }
    for (let i = 0; i < rules.length; i++) {
      if (rules[i]!.cost > 0) used[i] = this.fallback.add(subject, keys[i]!.key, rules[i]!.cost, keys[i]!.endMs, nowMs);
    }
    return decide({ rules, keys, nowMs, allowed: true, blockedIndex: -1, used, degraded: true });
  }

  /** Adds `amount` to each rule's current window (e.g. the tokens a finished request used). */
  async add(subject: string, rules: { name: string; window: WindowSpec }[], amount: number): Promise<void> {
    if (amount <= 0 || rules.length === 0) return;
    const nowMs = this.now();
    const keys = rules.map((r) => this.key(subject, r, nowMs));
    const { redis } = this.options;
    if (isRedisReady(redis)) {
      try {
        await ADD.run(redis!, keys.map((k) => k.key), [amount, ...keys.map((k) => k.endMs - nowMs + TTL_SLACK_MS)]);
        return;
      } catch {
        // fall through to the in-process counters
      }
    }
    for (const k of keys) this.fallback.add(subject, k.key, amount, k.endMs, nowMs);
  }

  /** Current usage without counting anything (for status endpoints). */
  async peek(subject: string, rules: Omit<CounterRule, 'cost'>[]): Promise<RuleState[]> {
    const nowMs = this.now();
    const keys = rules.map((r) => this.key(subject, r, nowMs));
    const { redis } = this.options;
    let used: number[] | undefined;
    if (isRedisReady(redis) && keys.length > 0) {
      try {
        used = (await redis!.mget(...keys.map((k) => k.key))).map((v) => Number(v ?? 0));
      } catch {
        used = undefined;
      }
    }
    used ??= keys.map((k) => this.fallback.read(subject, k.key, nowMs));
    return rules.map((r, i) => state(r, used![i]!, keys[i]!.endMs));
  }
}

function state(rule: { name: string; limit: number }, used: number, resetAtMs: number): RuleState {
  return { name: rule.name, limit: rule.limit, used, remaining: Math.max(0, rule.limit - used), resetAtMs };
}

function decide(a: {
  rules: CounterRule[];
  keys: { endMs: number }[];
  nowMs: number;
  allowed: boolean;
  blockedIndex: number;
  used: number[];
  degraded: boolean;
}): Decision {
  const states = a.used.map((u, i) => state(a.rules[i]!, u, a.keys[i]!.endMs));
  if (a.allowed) return { allowed: true, states, retryAfterMs: 0, degraded: a.degraded };
  const blocked = states[a.blockedIndex]!;
  return { allowed: false, states, blocked, retryAfterMs: Math.max(1, blocked.resetAtMs - a.nowMs), degraded: a.degraded };
}
