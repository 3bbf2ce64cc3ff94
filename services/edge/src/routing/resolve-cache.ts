import { LRUCache } from 'lru-cache';
import type { ResolveResponse, RoutingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ResolveQuery } from './resolve-query';

/**
 * routing.Resolve answers, cached in the edge for a short time. A gRPC round trip costs more CPU
 * than everything else the edge does for a request (docs/benchmarks.md), and a model's chain
 * changes only when the catalog, provider health, breakers or traffic splits change — each of
 * which clears this cache over NATS (catalog.updated, routing.changed, breaker.transition); the
 * TTL bounds staleness if such a message is lost. The key holds everything the answer depends on
 * (model, preferences, fallback models, a router's prompt digest); per-request decisions (split
 * draws) are made after the cache, so a cached chain never pins traffic. Concurrent misses for
 * one key share one call. A chain built for a user's own provider keys (BYOK) is cached under
 * the set of those providers too (never the keys).
 */
export class ResolveCache {
  private readonly cache: LRUCache<string, ResolveResponse> | undefined;
  private readonly inflight = new Map<string, Promise<ResolveResponse>>();

  constructor(
    private readonly routing: ServiceClient<typeof RoutingService>,
    private readonly options: { ttlMs: number; maxEntries: number; timeoutMs: number },
  ) {
    this.cache = options.ttlMs > 0 ? new LRUCache({ max: options.maxEntries, ttl: options.ttlMs }) : undefined;
  }

  resolve(query: ResolveQuery, requestId: string): Promise<ResolveResponse> {
    const { key } = query;
    const hit = this.cache?.get(key);
    if (hit) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const call = this.routing
      .resolve(query.request, { timeoutMs: this.options.timeoutMs, requestId })
      .then((res) => {
        this.cache?.set(key, res);
        return res;
      })
      .finally(() => this.inflight.delete(key));
    this.inflight.set(key, call);
    return call;
  }

  clear(): void {
    this.cache?.clear();
  }
}
