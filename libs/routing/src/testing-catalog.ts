import { CatalogIndex, type PriceRow, type ProviderRow } from '@gatewayz/catalog';

/**
 * A small in-memory catalog for unit tests of the routing policy (no database): providers with
 * priorities, models with offers (prompt/completion in micro-dollars per Mtok).
 */
export function testCatalog(spec: {
  providers: Record<string, { priority: number; adapter?: string }>;
  models: Record<string, Record<string, { native?: string; prompt?: number; completion?: number }>>;
  aliases?: Record<string, string>;
  enabled?: (slug: string) => boolean;
  transformNative?: (provider: string, nativeId: string) => string;
}): CatalogIndex {
  const providers: ProviderRow[] = Object.entries(spec.providers).map(([slug, p]) => ({
    slug,
    name: slug,
    adapter: p.adapter ?? 'openai-compatible',
    baseUrl: `http://${slug}.test`,
    priority: p.priority,
    isActive: true,
  }));
  const prices: PriceRow[] = [];
  const models = Object.entries(spec.models).map(([id, offers]) => {
    for (const [provider, o] of Object.entries(offers)) {
      prices.push({
        modelId: id,
        providerSlug: provider,
        nativeModelId: o.native ?? id,
        promptPerMtok: BigInt(o.prompt ?? 1_000_000),
        completionPerMtok: BigInt(o.completion ?? 2_000_000),
        cacheReadPerMtok: null,
        cacheWritePerMtok: null,
        perRequest: null,
        perImage: null,
        perAudioSecond: null,
        perMillionChars: null,
        isActive: true,
      });
    }
    return { id, name: id, ownedBy: id.split('/')[0]!, contextLength: 8192, maxOutputTokens: 4096, simulated: false, modality: 'text->text', isActive: true, createdAt: new Date(0) };
  });
  return new CatalogIndex({ providers, models, prices, aliases: spec.aliases ?? {}, transformNative: spec.transformNative }, spec.enabled ?? (() => true));
}
