import type { Fernet } from '@gatewayz/crypto';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import type { StoredCredentialSource } from '@gatewayz/providers';

/**
 * Credentials of admin-registered providers (table provider_credentials, written by edge),
 * decrypted with the edge's Fernet keys and held in memory. Reloaded on catalog.updated, on a
 * poll, and at most once a second when a route names a provider it does not know yet (routing
 * may have seen the new row first). A failed reload keeps the last good set.
 */
const MISS_REFRESH_INTERVAL_MS = 1_000;

export class StoredCredentials implements StoredCredentialSource {
  private keys = new Map<string, { apiKey: string | undefined }>();
  private loading: Promise<void> | undefined;
  private lastLoad = 0;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly fernet: Fernet | undefined,
    private readonly logger: Logger,
  ) {}

  get(slug: string): { apiKey: string | undefined } | undefined {
    return this.keys.get(slug);
  }

  /** Coalesces concurrent reloads. */
  refresh(): Promise<void> {
    this.loading ??= this.load().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  /** A route names a provider this replica does not know: reload, unless it just did. */
  async refreshOnMiss(slug: string): Promise<void> {
    if (this.keys.has(slug) || Date.now() - this.lastLoad < MISS_REFRESH_INTERVAL_MS) return;
    await this.refresh();
  }

  private async load(): Promise<void> {
    this.lastLoad = Date.now();
    try {
      const rows = await this.prisma.providerCredential.findMany({ select: { providerSlug: true, apiKeyEncrypted: true } });
      const next = new Map<string, { apiKey: string | undefined }>();
      for (const row of rows) {
        if (row.apiKeyEncrypted === null) {
          next.set(row.providerSlug, { apiKey: undefined });
          continue;
        }
        if (!this.fernet) {
          this.logger.warn('a registered provider has an encrypted key but API_KEY_ENCRYPTION_KEYS is not set; it stays disabled', { provider: row.providerSlug });
          continue;
        }
        try {
          next.set(row.providerSlug, { apiKey: this.fernet.decrypt(row.apiKeyEncrypted) });
        } catch {
          this.logger.error('cannot decrypt the key of a registered provider (rotated keys?); it stays disabled', { provider: row.providerSlug });
        }
      }
      this.keys = next;
    } catch (err) {
      this.logger.warn('loading registered provider credentials failed; keeping the last set', { err });
    }
  }
}
