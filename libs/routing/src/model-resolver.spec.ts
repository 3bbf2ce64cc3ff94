import { RoutingRules } from './rules';
import { resolveModel, splitVariant } from './model-resolver';
import { testCatalog } from './testing-catalog';

const rules = RoutingRules.load();
const index = testCatalog({
  providers: { openai: { priority: 10 }, anthropic: { priority: 10, adapter: 'anthropic' }, together: { priority: 30 }, fireworks: { priority: 40 }, openrouter: { priority: 50 } },
  models: {
    'openai/gpt-4o': { openai: { native: 'gpt-4o' }, openrouter: {} },
    'anthropic/claude-3-5-haiku': { anthropic: { native: 'claude-3-5-haiku-20241022' }, openrouter: { native: 'anthropic/claude-3.5-haiku' } },
    'meta-llama/llama-3.3-70b-instruct': {
      together: { native: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' },
      fireworks: { native: 'llama-v3p3-70b-instruct' },
      openrouter: {},
    },
    'meta-llama/llama-3.3-70b-instruct:free': { openrouter: { native: 'meta-llama/llama-3.3-70b-instruct:free', prompt: 0, completion: 0 } },
    'deepseek/deepseek-r1': { together: { native: 'deepseek-ai/DeepSeek-R1' }, openrouter: {} },
  },
  aliases: { 'gpt-4o': 'openai/gpt-4o', r1: 'deepseek/deepseek-r1', 'llama-3.3-70b': 'meta-llama/llama-3.3-70b-instruct' },
  transformNative: (p, id) => rules.transformNative(p, id),
});

const resolved = (name: string) => {
  const r = resolveModel(index, rules, name);
  if (!r.ok) throw new Error(`${name}: ${r.reason}`);
  return { id: r.entry.row.id, stage: r.stage, preferred: r.preferred, variant: r.variant };
};

describe('model resolution pipeline', () => {
  it('normalizes aliases (AC-2.1.1, AC-2.1.2), case-insensitively', () => {
    expect(resolved('gpt-4o')).toMatchObject({ id: 'openai/gpt-4o', stage: 'alias' });
    expect(resolved('R1')).toMatchObject({ id: 'deepseek/deepseek-r1', stage: 'alias' });
  });

  it('passes canonical ids through (AC-2.1.3)', () => {
    expect(resolved('openai/gpt-4o')).toMatchObject({ id: 'openai/gpt-4o', stage: 'canonical', preferred: [] });
  });

  it('detects a provider from its native id format and puts that provider first (format rules)', () => {
    expect(resolved('meta-llama/Llama-3.3-70B-Instruct-Turbo')).toMatchObject({ id: 'meta-llama/llama-3.3-70b-instruct', stage: 'format_rule', preferred: ['together'] });
    expect(resolved('accounts/fireworks/models/llama-v3p3-70b-instruct')).toMatchObject({ stage: 'format_rule', preferred: ['fireworks'] });
  });

  it('transforms native ids per provider: Fireworks ids get accounts/fireworks/models/ (AC-2.1.6)', () => {
    const routes = index.entry('meta-llama/llama-3.3-70b-instruct')!.routes;
    expect(routes.find((r) => r.provider === 'fireworks')!.nativeModel).toBe('accounts/fireworks/models/llama-v3p3-70b-instruct');
    expect(routes.find((r) => r.provider === 'together')!.nativeModel).toBe('meta-llama/Llama-3.3-70B-Instruct-Turbo');
  });

  it('finds a model by any provider-native id (mapping table)', () => {
    expect(resolved('claude-3-5-haiku-20241022')).toMatchObject({ id: 'anthropic/claude-3-5-haiku', stage: 'native_id' });
  });

  it('falls back on the org prefix: dated snapshots, dots for dashes, -latest (and pins the first-party provider)', () => {
    expect(resolved('anthropic/claude-3.5-haiku-20241022')).toMatchObject({ id: 'anthropic/claude-3-5-haiku', stage: 'org_fallback', preferred: ['anthropic'] });
    expect(resolved('openai/gpt-4o-latest')).toMatchObject({ id: 'openai/gpt-4o', stage: 'org_fallback', preferred: ['openai'] });
  });

  it('tells the provider detection stages apart in priority order: an explicit override beats a detected provider', () => {
    const withOverride = new RoutingRules({
      families: [{ name: 'all', match: ['*'], providers: '*' }],
      overrides: [{ match: 'meta-llama/*', prefer: ['openrouter'] }],
      format_rules: [{ name: 'together', pattern: '^meta-llama/[A-Z].*$', provider: 'together' }],
      native_transforms: {},
      org_providers: {},
    });
    const r = resolveModel(index, withOverride, 'meta-llama/Llama-3.3-70B-Instruct-Turbo');
    expect(r.ok && r.preferred).toEqual(['openrouter', 'together']);
  });

  it('parses :free, :nitro and :floor; :free is the catalog free variant', () => {
    expect(splitVariant('llama-3.3-70b:nitro')).toEqual({ base: 'llama-3.3-70b', variant: 'nitro' });
    expect(splitVariant('openai/gpt-4o:floor')).toEqual({ base: 'openai/gpt-4o', variant: 'floor' });
    expect(splitVariant('foo/bar:beta')).toEqual({ base: 'foo/bar:beta', variant: undefined });
    expect(resolved('llama-3.3-70b:free')).toMatchObject({ id: 'meta-llama/llama-3.3-70b-instruct:free', variant: 'free' });
    expect(resolved('meta-llama/llama-3.3-70b-instruct:free')).toMatchObject({ id: 'meta-llama/llama-3.3-70b-instruct:free' });
    expect(resolved('gpt-4o:nitro')).toMatchObject({ id: 'openai/gpt-4o', variant: 'nitro' });
  });

  it('reports unknown models and missing free variants (CM-3.10)', () => {
    expect(resolveModel(index, rules, 'nonexistent/model')).toEqual({ ok: false, reason: 'not_found' });
    expect(resolveModel(index, rules, 'gpt-4o:free')).toEqual({ ok: false, reason: 'no_free_variant', canonical: 'openai/gpt-4o' });
  });
});
