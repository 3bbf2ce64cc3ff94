import { randomBytes } from 'node:crypto';
import { isRedisReady, type Redis } from '@gatewayz/redis';
import { FallbackStore } from './fallback-store';
import { LuaScript } from './lua-script';

export interface LogDecision {
  allowed: boolean;
  limit: number;
  remaining: number;
  /** When the oldest counted attempt leaves the window (a slot frees up). */
  resetAtMs: number;
  retryAfterMs: number;
  degraded: boolean;
}

/**
 * Drop attempts older than the window, count the rest, and record this one if under the limit.
 * Returns {allowed, count, oldest timestamp}.
 */
const HIT = new LuaScript(`
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local limit = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
local allowed = 0
if count < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], window)
  count = count + 1
  allowed = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
local first = now
if oldest[2] then first = tonumber(oldest[2]) end
return {allowed, count, first}
`);

export interface SlidingLogOptions {
  redis?: Redis;
  /** Namespaced key prefix, e.g. "gatewayz:rl:login:". */
  prefix: string;
  limit: number;
  windowMs: number;
  fallback?: FallbackStore;
  now?: () => number;
}

/**
 * Exact "N per window" for low-volume, security-sensitive limits (logins, sign-ups, key
 * creation): a sorted set of attempt times per subject, so there is no window boundary to
 * burst across. Redis down → the same log in process.
 */
export class SlidingLogLimiter {
  readonly fallback: FallbackStore;
  private readonly now: () => number;

  constructor(private readonly options: SlidingLogOptions) {
    this.fallback = options.fallback ?? new FallbackStore({ now: options.now });
    this.now = options.now ?? Date.now;
  }

  get limit(): number {
    return this.options.limit;
  }

  async hit(subject: string): Promise<LogDecision> {
    const { redis, prefix, limit, windowMs } = this.options;
    const nowMs = this.now();
    if (isRedisReady(redis)) {
      try {
        const member = `${nowMs}:${randomBytes(6).toString('base64url')}`;
        const [allowed, count, oldest] = (await HIT.run(redis!, [`${prefix}{${subject}}`], [nowMs, windowMs, limit, member])) as number[];
        return this.decision({ allowed: allowed === 1, count: count!, oldestMs: oldest!, nowMs, degraded: false });
      } catch {
        // Redis unavailable: decide in process.
      }
    }
    const log = this.fallback.log(subject, nowMs - windowMs, nowMs);
    const allowed = log.length < limit;
    if (allowed) log.push(nowMs);
    return this.decision({ allowed, count: log.length, oldestMs: log[0] ?? nowMs, nowMs, degraded: true });
  }

  private decision(a: { allowed: boolean; count: number; oldestMs: number; nowMs: number; degraded: boolean }): LogDecision {
    const resetAtMs = a.oldestMs + this.options.windowMs;
    return {
      allowed: a.allowed,
      limit: this.options.limit,
      remaining: Math.max(0, this.options.limit - a.count),
      resetAtMs,
      retryAfterMs: a.allowed ? 0 : Math.max(1, resetAtMs - a.nowMs),
      degraded: a.degraded,
    };
  }
}
