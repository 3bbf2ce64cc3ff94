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
  /** Canonical id of the model this route serves. */
  model: string;
  /** The provider's catalog priority (lower first). */
  priority: number;
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

export interface CatalogIndexInput {
  providers: ProviderRow[];
  models: ModelRow[];
  prices: PriceRow[];
  aliases: Record<string, string>;
  /** Provider-native id rewriting (e.g. Fireworks' "accounts/fireworks/models/" prefix). */
  transformNative?: (provider: string, nativeId: string) => string;
}

/**
 * A loose form of a model name, for the last-resort match: lower case, "." and "_" read as "-",
 * and a trailing release date ("-20241022", "-2024-10-22") or "-latest" dropped.
 */
export function looseModelKey(name: string): string {
  return name
    .trim()
    .toLowerCase()
    .replace(/[._]/g, '-')
    .replace(/-(\d{8}|\d{4}-\d{2}-\d{2}|latest)$/, '');
}

/**
 * The catalog in memory, rebuilt whole on every refresh (immutable once built, so a refresh
 * never exposes a half-updated view). Every lookup is a Map hit: O(1) in the catalog size.
 */
export class CatalogIndex {
  private readonly byId = new Map<string, ModelEntry>();
  private readonly aliases: Map<string, string>;
  /** provider-native id → canonical ids, across providers and per provider. */
  private readonly byNative = new Map<string, Set<string>>();
  private readonly byProviderNative = new Map<string, string>();
  /** looseModelKey(id) and looseModelKey(name part) → canonical ids. */
  private readonly byLoose = new Map<string, Set<string>>();

  constructor(
    input: CatalogIndexInput,
    private readonly isProviderEnabled: (slug: string) => boolean,
  ) {
    const providers = new Map(input.providers.filter((p) => p.isActive).map((p) => [p.slug, p]));
    const routesByModel = new Map<string, { route: RouteEntry; priority: number }[]>();
    for (const price of input.prices) {
      const provider = providers.get(price.providerSlug);
      if (!price.isActive || !provider) continue;
      const list = routesByModel.get(price.modelId) ?? [];
      const nativeModel = input.transformNative?.(price.providerSlug, price.nativeModelId) ?? price.nativeModelId;
      list.push({
        priority: provider.priority,
        route: {
          provider: price.providerSlug,
          adapter: provider.adapter,
          baseUrl: provider.baseUrl,
          nativeModel,
          model: price.modelId,
          priority: provider.priority,
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
      const id = model.id.toLowerCase();
      this.byId.set(id, { row: model, routes });
      for (const r of routes) {
        const native = r.nativeModel.toLowerCase();
        addTo(this.byNative, native, id);
        this.byProviderNative.set(`${r.provider}\u0000${native}`, id);
      }
      addTo(this.byLoose, looseModelKey(id), id);
      addTo(this.byLoose, looseModelKey(id.slice(id.indexOf('/') + 1)), id);
    }
    this.aliases = new Map(Object.entries(input.aliases).map(([k, v]) => [k.toLowerCase(), v.toLowerCase()]));
  }

  /** A model by canonical id or alias (case-insensitive), whatever its providers' credentials. */
  entry(requested: string): ModelEntry | undefined {
    const key = requested.trim().toLowerCase();
    return this.byId.get(key) ?? this.byId.get(this.aliases.get(key) ?? '');
  }

  /** Whether `requested` is an alias (not a canonical id). */
  isAlias(requested: string): boolean {
    return this.aliases.has(requested.trim().toLowerCase());
  }

  /** The model a provider calls `nativeId`: at that provider, or (unique) at any provider. */
  byNativeId(nativeId: string, provider?: string): ModelEntry | undefined {
    const native = nativeId.trim().toLowerCase();
    if (provider) return this.byId.get(this.byProviderNative.get(`${provider}\u0000${native}`) ?? '');
    const ids = this.byNative.get(native);
    return ids && ids.size === 1 ? this.byId.get([...ids][0]!) : undefined;
  }

  /** The model whose loose name (see looseModelKey) is `requested`'s, when exactly one is. */
  looseMatch(requested: string): ModelEntry | undefined {
    const ids = this.byLoose.get(looseModelKey(requested));
    return ids && ids.size === 1 ? this.byId.get([...ids][0]!) : undefined;
  }

  isEnabled(provider: string): boolean {
    return this.isProviderEnabled(provider);
  }

  /** Every model entry (for the routers' candidate pools). */
  entries(): IterableIterator<ModelEntry> {
    return this.byId.values();
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

function addTo(map: Map<string, Set<string>>, key: string, value: string): void {
  const set = map.get(key);
  if (set) set.add(value);
  else map.set(key, new Set([value]));
}
