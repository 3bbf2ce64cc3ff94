import { LRUCache } from 'lru-cache';
import type { ResolveResponse, RoutingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';

/**
 * routing.Resolve answers, cached in the edge for a short time. A gRPC round trip costs more CPU
 * than everything else the edge does for a request (docs/benchmarks.md), and a model's chain
 * changes only when the catalog, provider health or traffic splits change — each of which
 * clears this cache over NATS; the TTL bounds staleness if such a message is lost.
 * Per-request decisions (breaker state, split weights) are made later, per attempt, so a
 * cached chain never pins traffic. Concurrent misses for one model share one call.
 * A chain built for a user's own provider keys (BYOK) is cached under the model and the set of
 * those providers (never the keys).
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

  resolve(model: string, requestId: string, byokProviders: readonly string[] = []): Promise<ResolveResponse> {
    const providers = [...byokProviders].sort();
    const key = providers.length === 0 ? model.trim().toLowerCase() : `${model.trim().toLowerCase()}|${providers.join(',')}`;
    const hit = this.cache?.get(key);
    if (hit) return Promise.resolve(hit);
    const pending = this.inflight.get(key);
    if (pending) return pending;
    const call = this.routing
      .resolve({ model, byokProviders: providers }, { timeoutMs: this.options.timeoutMs, requestId })
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
