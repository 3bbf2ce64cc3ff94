import type { Subscription } from '@nats-io/transport-node';
import type { Bus } from '@gatewayz/bus';
import type { Logger } from '@gatewayz/logger';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';

/** Core NATS subject: lookup hashes every edge replica must drop from its auth cache. */
export const KEYS_REVOKED_SUBJECT = 'keys.revoked';

export interface KeysRevokedMessage {
  hashes: string[];
  /** "deleted", "rotated", "updated", "role_changed", "plan_changed", ... */
  reason: string;
}

/**
 * Makes a key change take effect everywhere at once: the entry leaves this process's cache
 * and Redis, then every replica is told on `keys.revoked` (core NATS, delivered in
 * milliseconds) to drop its in-process copy. If NATS is down the message is lost and the
 * cache TTL (AUTH_CACHE_TTL_MS) is the backstop.
 */
export class KeyRevocation {
  constructor(
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly bus: () => Bus | undefined,
    private readonly logger: Logger,
  ) {}

  async revoke(hashes: readonly string[], reason: string): Promise<void> {
    if (hashes.length === 0) return;
    await Promise.all(hashes.map((h) => this.authenticator.invalidate(h)));
    const bus = this.bus();
    if (bus) bus.publishCore(KEYS_REVOKED_SUBJECT, { hashes: [...hashes], reason } satisfies KeysRevokedMessage);
    else this.logger.warn('NATS unavailable: other replicas drop the key at their cache TTL', { reason });
  }

  /** Listens for other replicas' revocations. */
  subscribe(bus: Bus): Subscription {
    return bus.subscribeCore<KeysRevokedMessage>(KEYS_REVOKED_SUBJECT, (msg) => {
      if (Array.isArray(msg.hashes)) this.authenticator.evictLocal(msg.hashes.filter((h): h is string => typeof h === 'string'));
    });
  }
}
