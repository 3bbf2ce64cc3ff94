import { CatalogIndex, type CatalogData } from '@gatewayz/catalog';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';

/**
 * The catalog routing serves from: read whole from Postgres, indexed in memory, swapped
 * atomically on refresh (catalog.updated on NATS, and a periodic poll as backstop). A failed
 * refresh keeps serving the last good index.
 */
export class CatalogStore {
  private index: CatalogIndex | undefined;
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly aliases: CatalogData['aliases'],
    private readonly isProviderEnabled: (slug: string) => boolean,
    private readonly logger: Logger,
    /** Provider-native id rewriting (routing rules' native_transforms). */
    private readonly transformNative?: (provider: string, nativeId: string) => string,
  ) {}

  get current(): CatalogIndex {
    if (!this.index) throw new Error('catalog not loaded');
    return this.index;
  }

  /** Coalesces concurrent refreshes. */
  refresh(): Promise<void> {
    this.refreshing ??= this.load().finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private async load(): Promise<void> {
    try {
      const [providers, models, prices, registered] = await Promise.all([
        this.prisma.provider.findMany(),
        this.prisma.model.findMany(),
        this.prisma.modelPrice.findMany(),
        // Providers an admin registered carry their credentials in the database (presence only here).
        this.prisma.providerCredential.findMany({ select: { providerSlug: true } }),
      ]);
      // Providers an admin registered with a key (provider_credentials) are configured too.
      const withCredentials = new Set(registered.map((r) => r.providerSlug));
      const enabled = (slug: string) => this.isProviderEnabled(slug) || withCredentials.has(slug);
      this.index = new CatalogIndex({ providers, models, prices, aliases: this.aliases, transformNative: this.transformNative }, enabled);
      this.logger.debug('catalog loaded', { models: this.index.size });
    } catch (err) {
      if (!this.index) throw err;
      this.logger.warn('catalog refresh failed; serving the last loaded catalog', { err });
    }
  }
}
