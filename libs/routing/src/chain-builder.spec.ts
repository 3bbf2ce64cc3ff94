import { buildChain, type ChainContext } from './chain-builder';
import type { HealthStats } from './health-book';
import { NO_PREFERENCES, type RoutingPreferences } from './preferences';
import { RoutingRules } from './rules';
import { testCatalog } from './testing-catalog';

const rules = RoutingRules.load();
const PROVIDERS = {
  openai: { priority: 10 },
  anthropic: { priority: 10, adapter: 'anthropic' },
  vertex: { priority: 20 },
  groq: { priority: 20 },
  together: { priority: 30 },
  deepinfra: { priority: 35 },
  openrouter: { priority: 50 },
};
const index = testCatalog({
  providers: PROVIDERS,
  models: {
    'openai/gpt-4o': { openai: {}, together: {}, openrouter: {} },
    'anthropic/claude-sonnet-4': { anthropic: {}, together: {}, openrouter: {} },
    'google/gemini-2.5-pro': { openrouter: {}, vertex: {} },
    'meta-llama/llama-3-70b': {
      groq: { prompt: 590_000, completion: 790_000 },
      together: { prompt: 880_000, completion: 880_000 },
      deepinfra: { prompt: 230_000, completion: 400_000 },
      openrouter: { prompt: 300_000, completion: 400_000 },
    },
    'openai/gpt-oss-120b': { groq: {}, together: {}, openrouter: {} },
  },
});

function ctx(o: Partial<ChainContext> & { stats?: Record<string, Partial<HealthStats>>; open?: Record<string, number> } = {}): ChainContext {
  return {
    rules,
    now: 1_000,
    isEnabled: () => true,
    health: (p) => (o.stats?.[p] ? ({ samples: 20, errorRate: 0, score: 100, p50TtftMs: undefined, throughputTps: undefined, ...o.stats[p] } as HealthStats) : undefined),
    openUntil: (p) => o.open?.[p],
    unsupported: (r) => new Set(r.provider === 'groq' ? ['logprobs', 'logit_bias'] : []),
    promotionThreshold: 70,
    ...o,
  };
}

const chain = (model: string, c: ChainContext = ctx(), prefs: Partial<RoutingPreferences> = {}, parameters: string[] = []) => {
  const r = buildChain({ entry: index.entry(model)!, preferred: [], prefs: { ...NO_PREFERENCES, ...prefs }, parameters }, c);
  return r.ok ? r.routes.map((x) => x.provider) : r;
};

describe('failover chains', () => {
  it('OpenAI models fail over only to OpenRouter (AC-2.4.5)', () => {
    expect(chain('openai/gpt-4o')).toEqual(['openai', 'openrouter']);
  });

  it('Anthropic models fail over only to OpenRouter (AC-2.4.6)', () => {
    expect(chain('anthropic/claude-sonnet-4')).toEqual(['anthropic', 'openrouter']);
  });

  it('open-weight models fail over across every provider serving them, by priority (AC-2.4.7)', () => {
    expect(chain('meta-llama/llama-3-70b')).toEqual(['groq', 'together', 'deepinfra', 'openrouter']);
    // OpenAI's open-weight models are open-weight by rule, whatever their owner.
    expect(chain('openai/gpt-oss-120b')).toEqual(['groq', 'together', 'openrouter']);
  });

  it('routes Gemini to Vertex first when Vertex has credentials, else the next provider (AC-2.1.4)', () => {
    expect(chain('google/gemini-2.5-pro')).toEqual(['vertex', 'openrouter']);
    expect(chain('google/gemini-2.5-pro', ctx({ isEnabled: (p) => p !== 'vertex' }))).toEqual(['openrouter']);
  });

  it('leaves out providers without credentials', () => {
    expect(chain('meta-llama/llama-3-70b', ctx({ isEnabled: (p) => p !== 'groq' }))).toEqual(['together', 'deepinfra', 'openrouter']);
    expect(chain('openai/gpt-4o', ctx({ isEnabled: () => false }))).toMatchObject({ ok: false, reason: 'no_provider' });
  });

  it('skips providers whose breaker is OPEN (AC-2.4.8), and says until when when all are', () => {
    expect(chain('meta-llama/llama-3-70b', ctx({ open: { groq: 5_000 } }))).toEqual(['together', 'deepinfra', 'openrouter']);
    expect(chain('openai/gpt-4o', ctx({ open: { openai: 5_000, openrouter: 9_000 } }))).toMatchObject({ ok: false, reason: 'breakers', retryAt: 5_000 });
  });

  it('promotes a healthier provider when the primary scores below the threshold — a binary decision (AC-2.6)', () => {
    const degraded = ctx({ stats: { groq: { score: 40 }, together: { score: 90 }, deepinfra: { score: 99 } } });
    expect(chain('meta-llama/llama-3-70b', degraded)).toEqual(['deepinfra', 'groq', 'together', 'openrouter']);
    // Above the threshold nothing moves; no weighting by score.
    expect(chain('meta-llama/llama-3-70b', ctx({ stats: { groq: { score: 75 }, deepinfra: { score: 100 } } }))).toEqual(['groq', 'together', 'deepinfra', 'openrouter']);
    // Nobody healthier: stays.
    expect(chain('openai/gpt-4o', ctx({ stats: { openai: { score: 40 }, openrouter: { score: 30 } } }))).toEqual(['openai', 'openrouter']);
  });
});

describe('request preferences (provider object)', () => {
  it('order puts providers first; allow_fallbacks:false keeps only them', () => {
    expect(chain('meta-llama/llama-3-70b', ctx(), { order: ['openrouter', 'together'] })).toEqual(['openrouter', 'together', 'groq', 'deepinfra']);
    expect(chain('meta-llama/llama-3-70b', ctx(), { order: ['openrouter'], allowFallbacks: false })).toEqual(['openrouter']);
    expect(chain('meta-llama/llama-3-70b', ctx(), { allowFallbacks: false })).toEqual(['groq']);
  });

  it('only and ignore filter; an empty result is the preferences\' fault', () => {
    expect(chain('meta-llama/llama-3-70b', ctx(), { only: ['together', 'openrouter'] })).toEqual(['together', 'openrouter']);
    expect(chain('meta-llama/llama-3-70b', ctx(), { ignore: ['groq'] })).toEqual(['together', 'deepinfra', 'openrouter']);
    expect(chain('openai/gpt-4o', ctx(), { only: ['groq'] })).toMatchObject({ ok: false, reason: 'preferences' });
  });

  it('sort=price orders by blended price; max_price drops the expensive ones', () => {
    expect(chain('meta-llama/llama-3-70b', ctx(), { sort: 'price' })).toEqual(['deepinfra', 'openrouter', 'groq', 'together']);
    expect(chain('meta-llama/llama-3-70b', ctx(), { maxPrice: { promptPerMtok: 600_000n } })).toEqual(['groq', 'deepinfra', 'openrouter']);
  });

  it('sort=latency and sort=throughput use live stats; providers without data go last', () => {
    const live = ctx({ stats: { groq: { p50TtftMs: 300, throughputTps: 500 }, together: { p50TtftMs: 120, throughputTps: 80 }, openrouter: { p50TtftMs: 200, throughputTps: 150 } } });
    expect(chain('meta-llama/llama-3-70b', live, { sort: 'latency' })).toEqual(['together', 'openrouter', 'groq', 'deepinfra']);
    expect(chain('meta-llama/llama-3-70b', live, { sort: 'throughput' })).toEqual(['groq', 'openrouter', 'together', 'deepinfra']);
  });

  it('require_parameters keeps only providers honouring every parameter the request sets', () => {
    expect(chain('meta-llama/llama-3-70b', ctx(), { requireParameters: true }, ['logprobs'])).toEqual(['together', 'deepinfra', 'openrouter']);
    expect(chain('meta-llama/llama-3-70b', ctx(), { requireParameters: false }, ['logprobs'])).toEqual(['groq', 'together', 'deepinfra', 'openrouter']);
  });
});
