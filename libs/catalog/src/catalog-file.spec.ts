import { loadCatalogFile, mergeCatalogJson, parseCatalog } from './catalog-file';

const provider = (slug: string) => ({ slug, name: slug, adapter: 'openai-compatible', base_url: `https://${slug}.test/v1`, priority: 10 });
const model = (id: string, offers: object[]) => ({ id, name: id, owned_by: id.split('/')[0], context_length: 1000, max_output_tokens: 100, offers });
const offer = (p: string, price = '1.00') => ({ provider: p, native_id: 'native', prompt: price, completion: price });

describe('catalog data files', () => {
  it('load, merged, and every provider offers at least one priced (or explicitly free) model', () => {
    const data = loadCatalogFile();
    const offering = new Set(data.models.flatMap((m) => m.offers.map((o) => o.provider)));
    expect(data.providers.filter((p) => !offering.has(p.slug)).map((p) => p.slug)).toEqual([]);
    expect(data.providers.length).toBeGreaterThanOrEqual(32);
  });

  it('a file may add offers to a model defined in another file', () => {
    const merged = mergeCatalogJson([
      { providers: [provider('a')], models: [model('o/m', [offer('a')])], aliases: {} },
      { providers: [provider('b')], models: [], aliases: {}, offers: [{ model: 'o/m', ...offer('b', '2.00') }] },
    ]);
    const parsed = parseCatalog(merged);
    expect(parsed.models[0]!.offers.map((o) => [o.provider, o.promptPerMtok])).toEqual([
      ['a', 1_000_000n],
      ['b', 2_000_000n],
    ]);
  });

  it.each([
    ['an unknown model', { model: 'o/nope', ...offer('b') }, 'unknown model o/nope'],
    ['a second offer from the same provider', { model: 'o/m', ...offer('a') }, 'two offers from a'],
    ['an unpriced offer on a model not marked free', { model: 'o/m', ...offer('b', '0') }, 'zero price'],
  ])('refuses %s', (_what, extra, message) => {
    const merged = mergeCatalogJson([{ providers: [provider('a'), provider('b')], models: [model('o/m', [offer('a')])], aliases: {}, offers: [extra] }]);
    expect(() => parseCatalog(merged)).toThrow(message);
  });
});
