import { loadCatalogFile } from '@gatewayz/catalog';
import { readDataFile } from './data-files';

/**
 * The routing rules name providers by slug. A slug the catalog does not know would silently
 * leave that provider's offers out of every chain of the family, so every name must exist.
 */
describe('routing-rules.json against the catalog', () => {
  const rules = readDataFile('routing-rules.json') as {
    families: { name: string; providers: string[] | '*' }[];
    overrides: { prefer: string[] }[];
    format_rules: { provider: string }[];
    native_transforms: Record<string, unknown>;
    org_providers: Record<string, string>;
  };
  const slugs = new Set(loadCatalogFile().providers.map((p) => p.slug));

  it('names only providers that exist', () => {
    const named = [
      ...rules.families.flatMap((f) => (f.providers === '*' ? [] : f.providers)),
      ...rules.overrides.flatMap((o) => o.prefer),
      ...rules.format_rules.map((r) => r.provider),
      ...Object.keys(rules.native_transforms),
      ...Object.values(rules.org_providers),
    ];
    expect(named.filter((slug) => !slugs.has(slug))).toEqual([]);
  });

  it('lets every family serve at least one of its models through a provider that offers it', () => {
    const catalog = loadCatalogFile();
    for (const family of rules.families) {
      if (family.providers === '*') continue;
      const allowed = new Set(family.providers);
      const offered = catalog.models.flatMap((m) => m.offers.map((o) => o.provider)).filter((p) => allowed.has(p));
      expect({ family: family.name, offered: offered.length > 0 }).toEqual({ family: family.name, offered: true });
    }
  });
});
