import { LRUCache } from 'lru-cache';
import type { Logger } from '@gatewayz/logger';
import type { ProviderKeyRepository, ProviderKeySecret } from './provider-keys.repository';

/**
 * A user's BYOK keys as their requests need them, cached in this process only (decrypted keys
 * never go to Redis). A change clears the entry here at once and, through `byok.changed` on
 * NATS, on the other replicas; the TTL bounds staleness if that signal is lost. When Postgres
 * cannot be read, the last known keys are used; with none, the request goes on without BYOK.
 */
export class ByokKeys {
  private readonly cache: LRUCache<string, ProviderKeySecret[]>;

  constructor(
    private readonly repository: ProviderKeyRepository,
    private readonly logger: Logger,
    options: { ttlMs: number; maxEntries: number },
  ) {
    this.cache = new LRUCache<string, ProviderKeySecret[]>({
      max: options.maxEntries,
      ttl: options.ttlMs,
      allowStaleOnFetchRejection: true,
      fetchMethod: async (userId) => {
        const { keys, unreadable } = await this.repository.secrets(userId);
        if (unreadable.length > 0) this.logger.error('stored provider keys cannot be decrypted with the current key ring', { userId, providers: unreadable });
        return keys;
      },
    });
  }

  async forUser(userId: string): Promise<ProviderKeySecret[]> {
    try {
      // An invalidation while a read is in flight aborts that read (it may predate the change)
      // and the cache then answers undefined: read again, so a key stored a moment ago is used.
      for (let attempt = 0; attempt < 3; attempt++) {
        const keys = await this.cache.fetch(userId);
        if (keys !== undefined) return keys;
      }
      return (await this.repository.secrets(userId)).keys;
    } catch (err) {
      this.logger.warn('BYOK keys unavailable; continuing without them', { userId, err });
      return [];
    }
  }

  invalidate(userId: string): void {
    this.cache.delete(userId);
  }
}
