import { isFreeChain, isPremiumModel, pricingGuard, type RoutePrice } from './pricing-guard';

const zero: RoutePrice = { promptPerMtok: 0n, completionPerMtok: 0n, cacheReadPerMtok: 0n, cacheWritePerMtok: 0n, perRequest: 0n, perImage: 0n };
const priced: RoutePrice = { ...zero, promptPerMtok: 2_500_000n, completionPerMtok: 10_000_000n };

describe('high-value pricing guard', () => {
  it.each([
    'openai/gpt-4',
    'openai/gpt-4o',
    'openai/gpt-4.1-mini',
    'openai/gpt-5',
    'openai/o1',
    'openai/o1-mini',
    'openai/o3-pro',
    'openai/o4-mini',
    'anthropic/claude-sonnet-4',
    'anthropic/claude-3-5-haiku',
    'google/gemini-1.5-pro',
    'google/gemini-2.0-flash',
    'google/gemini-2.5-pro',
    'google/gemini-pro',
    'cohere/command-r-plus',
    'mistralai/mixtral-8x22b-instruct',
    'x-ai/grok-4',
    'GPT-4O',
  ])('%s is premium and refused with a zero price (CM-6.6.1)', (model) => {
    expect(isPremiumModel(model)).toBe(true);
    const err = pricingGuard({ model, routes: [{ provider: 'openrouter', price: zero }] });
    expect(err).toMatchObject({ status: 400, code: 'model_pricing_unavailable', param: 'model' });
    expect(err!.message).toContain(model);
  });

  it('a missing price counts as zero', () => {
    expect(pricingGuard({ model: 'openai/gpt-4o', routes: [{ provider: 'openai' }] })?.status).toBe(400);
  });

  it('refuses when any route of the chain is unpriced, even if the first is priced', () => {
    expect(pricingGuard({ model: 'openai/gpt-4o', routes: [{ provider: 'openai', price: priced }, { provider: 'openrouter', price: zero }] })).toBeDefined();
  });

  it('allows a premium model with an explicit price (CM-6.6.2)', () => {
    expect(pricingGuard({ model: 'openai/gpt-4o', routes: [{ provider: 'openai', price: priced }] })).toBeUndefined();
  });

  it('allows a non-premium model at zero, and an explicit :free variant (CM-6.6.3)', () => {
    for (const model of ['meta-llama/llama-3.1-8b-instruct', 'sim/echo', 'mistralai/mistral-7b-instruct', 'openai/openchat-3.5']) {
      expect(isPremiumModel(model)).toBe(false);
      expect(pricingGuard({ model, routes: [{ provider: 'x', price: zero }] })).toBeUndefined();
    }
    expect(pricingGuard({ model: 'google/gemini-2.0-flash-exp:free', routes: [{ provider: 'openrouter', price: zero }] })).toBeUndefined();
  });

  it('a chain is free only when every route costs nothing', () => {
    expect(isFreeChain([{ price: zero }, { price: zero }])).toBe(true);
    expect(isFreeChain([{ price: zero }, { price: priced }])).toBe(false);
    expect(isFreeChain([{ price: { ...zero, perRequest: 1n } }])).toBe(false);
    expect(isFreeChain([])).toBe(false);
  });
});
