import { loadCatalogFile, parseCatalog } from './catalog-file';
import { CatalogIndex, type ModelRow, type PriceRow, type ProviderRow } from './catalog-index';

describe('media models in the catalog', () => {
  it('the data folder holds media models with their modality and unit prices', () => {
    const data = loadCatalogFile();
    const byId = new Map(data.models.map((m) => [m.id, m]));
    expect(byId.get('openai/whisper-1')).toMatchObject({ modality: 'audio->text', contextLength: 0, maxOutputTokens: 0 });
    expect(byId.get('openai/whisper-1')!.offers[0]).toMatchObject({ perAudioSecond: 100n, promptPerMtok: 0n });
    expect(byId.get('openai/tts-1')!.offers[0]!.perMillionChars).toBe(15_000_000n);
    expect(byId.get('openai/dall-e-3')!.offers[0]!.perImage).toBe(40_000n);
    expect(byId.get('openai/text-embedding-3-small')!.offers[0]!.promptPerMtok).toBe(20_000n);
    expect(byId.get('openai/gpt-4o')!.modality).toBe('text->text');
    expect(data.aliases['whisper-1']).toBe('openai/whisper-1');
  });

  it('a media model must carry the price of its own unit unless marked free', () => {
    const file = (offer: object, modality = 'text->image') => ({
      providers: [{ slug: 'p', name: 'P', adapter: 'openai-compatible', base_url: 'http://p', priority: 1 }],
      models: [{ id: 'p/m', name: 'M', owned_by: 'p', modality, context_length: 0, max_output_tokens: 0, offers: [{ provider: 'p', native_id: 'm', ...offer }] }],
      aliases: {},
    });
    expect(() => parseCatalog(file({ prompt: '1.00' }))).toThrow('zero price on a model or offer not marked free');
    // An offer may be free on its own (a self-hosted server) while the model is priced elsewhere.
    expect(() => parseCatalog(file({ prompt: '1.00', free: true }))).not.toThrow();
    expect(() => parseCatalog(file({ per_image: '0.02' }))).not.toThrow();
    expect(() => parseCatalog(file({ per_image: '0.02' }, 'audio->text'))).toThrow('zero price');
    expect(() => parseCatalog(file({ per_audio_second: '0.0001' }, 'audio->text'))).not.toThrow();
    expect(() => parseCatalog(file({ per_million_chars: '15' }, 'text->audio'))).not.toThrow();
    expect(() => parseCatalog(file({ prompt: '0.02' }, 'video->text'))).toThrow();
  });
});

describe('CatalogIndex with BYOK providers', () => {
  const price = { promptPerMtok: 1n, completionPerMtok: 1n, cacheReadPerMtok: null, cacheWritePerMtok: null, perRequest: null, perImage: null, perAudioSecond: null, perMillionChars: null };
  const providers: ProviderRow[] = ['gw1', 'gw2', 'own'].map((slug, i) => ({ slug, name: slug, adapter: 'openai-compatible', baseUrl: `http://${slug}`, priority: i, isActive: true }));
  const models: ModelRow[] = [{ id: 'x/m', name: 'M', ownedBy: 'x', contextLength: 1, maxOutputTokens: 1, modality: 'text->text', simulated: false, isActive: true, createdAt: new Date(0) }];
  const prices: PriceRow[] = providers.map((p) => ({ ...price, modelId: 'x/m', providerSlug: p.slug, nativeModelId: `${p.slug}-m`, isActive: true }));
  const index = new CatalogIndex({ providers, models, prices, aliases: {} }, (slug) => slug !== 'own');

  it('without BYOK: only providers the gateway has a key for, in priority order', () => {
    const r = index.resolve('x/m');
    expect(r.ok && r.chain.map((c) => c.provider)).toEqual(['gw1', 'gw2']);
  });

  it("with BYOK: the user's providers are usable and first", () => {
    const r = index.resolve('x/m', new Set(['own', 'gw2']));
    expect(r.ok && r.chain.map((c) => c.provider)).toEqual(['gw2', 'own', 'gw1']);
  });
});
