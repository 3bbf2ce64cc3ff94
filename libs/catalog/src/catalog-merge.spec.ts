import { BILLED_UNITS, flattenAliases, loadCatalogFile, mergeCatalogJson, parseCatalog } from './catalog-file';

const provider = { slug: 'p', name: 'P', adapter: 'openai-compatible', base_url: 'http://p', priority: 1 };
const model = (id: string, offer: object = { provider: 'p', native_id: id, prompt: '1', completion: '2' }) => ({
  id,
  name: id,
  owned_by: id.split('/')[0],
  context_length: 1000,
  max_output_tokens: 100,
  offers: [offer],
});

describe('catalog data', () => {
  const data = loadCatalogFile();

  it('has at least 120 aliases, every one leading to a model (spec CM-3.3)', () => {
    const ids = new Set(data.models.map((m) => m.id));
    expect(Object.keys(data.aliases).length).toBeGreaterThanOrEqual(120);
    for (const [alias, target] of Object.entries(data.aliases)) {
      expect(ids.has(target)).toBe(true);
      expect(alias).not.toBe(target.toLowerCase());
    }
  });

  it('maps the well-known names (spec AC-2.1.1, AC-2.1.2)', () => {
    expect(data.aliases['gpt-4o']).toBe('openai/gpt-4o');
    expect(data.aliases.r1).toBe('deepseek/deepseek-r1');
    expect(data.aliases.sonnet).toBe('anthropic/claude-sonnet-4-5');
  });

  it('prices every offer in its billing units (only one declared free may cost 0)', () => {
    const unpriced = data.models.flatMap((m) =>
      m.offers.filter((o) => !o.free && BILLED_UNITS[m.modality](o).some((v) => v === null || v <= 0n)).map((o) => `${m.id} via ${o.provider}`),
    );
    expect(unpriced).toEqual([]);
    // What is declared free: the ":free" variants and self-hosted servers, nothing else.
    const free = data.models.flatMap((m) => m.offers.filter((o) => o.free).map((o) => ({ model: m.id, provider: o.provider })));
    expect(free.filter((f) => !f.model.endsWith(':free') && !['ollama', 'vllm', 'lmstudio', 'sim'].includes(f.provider))).toEqual([]);
  });
});

describe('alias checks (spec AC-2.1.5)', () => {
  const ids = new Set(['a/x', 'a/y']);

  it('follows alias chains to the model id, case-insensitively', () => {
    const problems: string[] = [];
    expect(flattenAliases({ X: 'short', short: 'A/X', y: 'a/y' }, ids, problems)).toEqual({ x: 'a/x', short: 'a/x', y: 'a/y' });
    expect(problems).toEqual([]);
  });

  it('rejects self-maps, cycles, dangling targets and shadowed ids', () => {
    const problems: string[] = [];
    flattenAliases({ me: 'me', one: 'two', two: 'three', three: 'one', lost: 'a/z', 'a/x': 'a/y' }, ids, problems);
    expect(problems).toEqual([
      'alias me maps to itself',
      'alias cycle: one → two → three → one',
      'alias cycle: two → three → one → two',
      'alias cycle: three → one → two → three',
      'alias lost → a/z: no such model',
      'alias a/x shadows a model id',
    ]);
  });

  it('refuses to load a catalog with a cycle', () => {
    expect(() => parseCatalog({ providers: [provider], models: [model('a/x')], aliases: { p: 'q', q: 'p' } })).toThrow(/alias cycle/);
  });
});

describe('merging data files', () => {
  it('unions the offers of a model listed in two files, once per identical offer', () => {
    const q = { ...provider, slug: 'q' };
    const merged = mergeCatalogJson([
      { providers: [provider], models: [model('a/x')], aliases: { ax: 'a/x' } },
      { providers: [q], models: [model('a/x', { provider: 'q', native_id: 'x', prompt: '1', completion: '2' }), model('a/x')], aliases: { ax: 'a/x' } },
    ]);
    const parsed = parseCatalog(merged);
    expect(parsed.models).toHaveLength(1);
    expect(parsed.models[0]!.offers.map((o) => o.provider)).toEqual(['p', 'q']);
  });

  it('rejects two different offers from one provider, and an alias defined twice differently', () => {
    const twoOffers = mergeCatalogJson([
      { providers: [provider], models: [model('a/x')], aliases: {} },
      { models: [model('a/x', { provider: 'p', native_id: 'other', prompt: '1', completion: '2' })] },
    ]);
    expect(() => parseCatalog(twoOffers)).toThrow(/two offers from p/);
    expect(() => mergeCatalogJson([{ aliases: { k: 'a/x' } }, { aliases: { K: 'a/y' } }])).toThrow(/defined twice/);
  });
});
