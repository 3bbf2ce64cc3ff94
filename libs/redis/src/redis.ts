import { Redis } from 'ioredis';
import { LRUCache } from 'lru-cache';

export { Redis };

/**
 * ioredis tuned so Redis can never block a request: no offline queue (a command while
 * disconnected fails at once), short command timeouts, endless background reconnects.
 * Callers treat every failure as "Redis unavailable" and fall back to in-process state.
 * Auto-pipelining: the commands issued in one tick (concurrent requests' rate-limit checks and
 * token counts) leave in one socket write (docs/performance.md).
 */
export function createRedis(url: string, options: { name: string; commandTimeoutMs?: number }): Redis {
  const redis = new Redis(url, {
    connectionName: options.name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 250,
    connectTimeout: 2_000,
    disconnectTimeout: 50,
    retryStrategy: (times) => Math.min(100 * 2 ** Math.min(times, 5), 2_000),
    lazyConnect: false,
    enableAutoPipelining: true,
  });
  // Errors are reported through command failures; without a listener ioredis logs to stderr.
  redis.on('error', () => undefined);
  return redis;
}

export function isRedisReady(redis: Redis | undefined): boolean {
  return redis !== undefined && redis.status === 'ready';
}

export interface TieredCacheOptions<V> {
  /** Namespaced key prefix in Redis. */
  prefix: string;
  /** In-process layer. */
  maxEntries: number;
  localTtlMs: number;
  /** Redis layer TTL. */
  redisTtlMs: number;
  redis?: Redis;
  encode: (value: V) => string;
  decode: (text: string) => V;
}

/**
 * The cache contract used across the mesh: an in-process LRU in front of Redis in front of the
 * source of truth. Redis down (or slow) degrades to LRU + source; it never fails a lookup.
 * Concurrent misses for one key share one load (stampede protection).
 */
export class TieredCache<V extends NonNullable<unknown>> {
  private readonly local: LRUCache<string, V>;
  private readonly inflight = new Map<string, Promise<V | undefined>>();

  constructor(private readonly options: TieredCacheOptions<V>) {
    this.local = new LRUCache<string, V>({ max: options.maxEntries, ttl: options.localTtlMs });
  }

  peekLocal(key: string): V | undefined {
    return this.local.get(key);
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const hit = this.local.get(key);
    if (hit !== undefined) return hit;
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const promise = this.fill(key, load).finally(() => this.inflight.delete(key));
    this.inflight.set(key, promise);
    return promise;
  }

  private async fill(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const { redis, prefix } = this.options;
    if (isRedisReady(redis)) {
      try {
        const text = await redis!.get(prefix + key);
        if (text !== null) {
          const value = this.options.decode(text);
          this.local.set(key, value);
          return value;
        }
      } catch {
        // Redis unavailable: fall through to the source.
      }
    }
    const value = await load();
    // Write-back never delays the caller (a slow Redis must not cost a second timeout).
    if (value !== undefined) void this.set(key, value);
    return value;
  }

  async set(key: string, value: V): Promise<void> {
    this.local.set(key, value);
    const { redis, prefix, redisTtlMs } = this.options;
    if (isRedisReady(redis)) {
      await redis!.set(prefix + key, this.options.encode(value), 'PX', redisTtlMs).catch(() => undefined);
    }
  }

  async delete(key: string): Promise<void> {
    this.local.delete(key);
    const { redis, prefix } = this.options;
    if (isRedisReady(redis)) await redis!.del(prefix + key).catch(() => undefined);
  }

  /** Drops the in-process entry only (another replica changed the source). */
  evictLocal(key: string): void {
    this.local.delete(key);
  }

  clearLocal(): void {
    this.local.clear();
  }
}
