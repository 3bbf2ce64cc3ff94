import { loadCatalogFile } from '@gatewayz/catalog';
import { OPENAI_COMPATIBLE } from './openai-compatible';
import { ADAPTER_FAMILIES, createAdapters } from './registry';

/** CM-18: 30+ providers, each with an adapter implementing the contract. */
describe('provider ecosystem', () => {
  const catalog = loadCatalogFile();
  const real = catalog.providers.filter((p) => p.slug !== 'sim');

  it('has at least 30 real providers in the catalog', () => {
    expect(real.length).toBeGreaterThanOrEqual(30);
  });

  it('every catalog provider has an adapter family; every OpenAI-compatible one an entry in the table', () => {
    for (const p of catalog.providers) expect(ADAPTER_FAMILIES).toContain(p.adapter);
    const compatible = real.filter((p) => p.adapter === 'openai-compatible').map((p) => p.slug);
    expect(compatible.filter((slug) => !(slug in OPENAI_COMPATIBLE))).toEqual([]);
    expect(Object.keys(OPENAI_COMPATIBLE).filter((slug) => !compatible.includes(slug))).toEqual([]);
  });

  it('every family is registered and implements chat()', async () => {
    const { adapters, transport } = createAdapters({
      transport: { connectTimeoutMs: 100, headersTimeoutMs: 100, idleTimeoutMs: 100 },
      sim: { firstTokenMs: 0, interChunkMs: 0 },
      hooks: { onUnrecognized: () => undefined },
    });
    try {
      expect([...adapters.keys()].sort()).toEqual([...ADAPTER_FAMILIES].sort());
      for (const [family, adapter] of adapters) {
        expect(adapter.kind).toBe(family);
        expect(typeof adapter.chat).toBe('function');
      }
    } finally {
      await transport.close();
    }
  });
});
