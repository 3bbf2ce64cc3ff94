import type { CatalogPrice } from './catalog-file';

/** Rows as routing reads them from the catalog tables. */
export interface ProviderRow {
  slug: string;
  name: string;
  adapter: string;
  baseUrl: string;
  priority: number;
  isActive: boolean;
}

export interface ModelRow {
  id: string;
  name: string;
  ownedBy: string;
  contextLength: number;
  maxOutputTokens: number;
  /** "text->text" (chat), "text->embedding", "text->image", "audio->text", "text->audio". */
  modality: string;
  simulated: boolean;
  isActive: boolean;
  createdAt: Date;
}

export interface PriceRow extends CatalogPrice {
  modelId: string;
  providerSlug: string;
  nativeModelId: string;
  isActive: boolean;
}

export interface RouteEntry {
  provider: string;
  adapter: string;
  baseUrl: string;
  nativeModel: string;
  price: CatalogPrice;
}

export interface ModelEntry {
  row: ModelRow;
  /** Every active offer, best priority first (before credential filtering). */
  routes: RouteEntry[];
}

const NO_PROVIDERS: ReadonlySet<string> = new Set();

export type Resolution =
  | { ok: true; model: ModelRow; chain: RouteEntry[] }
  | { ok: false; reason: 'not_found' | 'no_provider'; canonical?: string };

/**
 * The catalog in memory, rebuilt whole on every refresh (immutable once built, so a refresh
 * never exposes a half-updated view). Lookup is one Map hit: O(1) in the catalog size.
 */
export class CatalogIndex {
  private readonly byId = new Map<string, ModelEntry>();
  private readonly aliases: Map<string, string>;

  constructor(
    input: { providers: ProviderRow[]; models: ModelRow[]; prices: PriceRow[]; aliases: Record<string, string> },
    private readonly isProviderEnabled: (slug: string) => boolean,
  ) {
    const providers = new Map(input.providers.filter((p) => p.isActive).map((p) => [p.slug, p]));
    const routesByModel = new Map<string, { route: RouteEntry; priority: number }[]>();
    for (const price of input.prices) {
      const provider = providers.get(price.providerSlug);
      if (!price.isActive || !provider) continue;
      const list = routesByModel.get(price.modelId) ?? [];
      list.push({
        priority: provider.priority,
        route: {
          provider: price.providerSlug,
          adapter: provider.adapter,
          baseUrl: provider.baseUrl,
          nativeModel: price.nativeModelId,
          price: {
            promptPerMtok: price.promptPerMtok,
            completionPerMtok: price.completionPerMtok,
            cacheReadPerMtok: price.cacheReadPerMtok,
            cacheWritePerMtok: price.cacheWritePerMtok,
            perRequest: price.perRequest,
            perImage: price.perImage,
            perAudioSecond: price.perAudioSecond,
            perMillionChars: price.perMillionChars,
          },
        },
      });
      routesByModel.set(price.modelId, list);
    }
    for (const model of input.models) {
      if (!model.isActive) continue;
      const routes = (routesByModel.get(model.id) ?? [])
        .sort((a, b) => a.priority - b.priority || a.route.provider.localeCompare(b.route.provider))
        .map((r) => r.route);
      if (routes.length === 0) continue;
      this.byId.set(model.id.toLowerCase(), { row: model, routes });
    }
    this.aliases = new Map(Object.entries(input.aliases).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
  }

  get size(): number {
    return this.byId.size;
  }

  /**
   * `byokProviders`: providers the requesting user holds their own key for. They are usable
   * even when the gateway has no key, and come first in the chain (the user chose to pay them
   * directly), in catalog order among themselves.
   */
  resolve(requested: string, byokProviders: ReadonlySet<string> = NO_PROVIDERS): Resolution {
    const key = requested.trim().toLowerCase();
    const entry = this.byId.get(key) ?? this.byId.get(this.aliases.get(key) ?? '');
    if (!entry) return { ok: false, reason: 'not_found' };
    const usable = entry.routes.filter((r) => byokProviders.has(r.provider) || this.isProviderEnabled(r.provider));
    const chain = byokProviders.size === 0 ? usable : [...usable.filter((r) => byokProviders.has(r.provider)), ...usable.filter((r) => !byokProviders.has(r.provider))];
    if (chain.length === 0) return { ok: false, reason: 'no_provider', canonical: entry.row.id };
    return { ok: true, model: entry.row, chain };
  }

  /** Models at least one configured provider can serve. */
  listServable(): { model: ModelRow; chain: RouteEntry[] }[] {
    const out: { model: ModelRow; chain: RouteEntry[] }[] = [];
    for (const entry of this.byId.values()) {
      const chain = entry.routes.filter((r) => this.isProviderEnabled(r.provider));
      if (chain.length > 0) out.push({ model: entry.row, chain });
    }
    return out.sort((a, b) => a.model.id.localeCompare(b.model.id));
  }
}
