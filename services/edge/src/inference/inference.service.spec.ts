import { create } from '@bufbuild/protobuf';
import { ChatOutcomeSchema, ResolveResponseSchema, RouteSchema } from '@gatewayz/proto';
import { costOf, planRequestChain } from './inference.service';

const route = (provider: string, model: string, prompt: bigint, extra: object = {}) =>
  create(RouteSchema, { provider, model, maxOutputTokens: 4_096, price: { promptPerMtok: prompt, completionPerMtok: prompt }, ...extra });

describe('pricing the route that served', () => {
  // A chain mixing models: openrouter serves both, at different prices.
  const chain = [route('openai', 'openai/gpt-4o', 2_500_000n), route('openrouter', 'openai/gpt-4o', 2_500_000n), route('openrouter', 'meta-llama/x', 100_000n)];
  const usage = { inputTokens: 1_000_000, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, estimated: false };

  it('uses the outcome\'s route index, not the first route of that provider', () => {
    expect(costOf(chain, create(ChatOutcomeSchema, { provider: 'openrouter', model: 'meta-llama/x', routeIndex: 2, usage }))).toBe(100_000n);
    expect(costOf(chain, create(ChatOutcomeSchema, { provider: 'openrouter', model: 'openai/gpt-4o', routeIndex: 1, usage }))).toBe(2_500_000n);
  });

  it('falls back to provider + model when the index does not match', () => {
    expect(costOf(chain, create(ChatOutcomeSchema, { provider: 'openrouter', model: 'meta-llama/x', routeIndex: 0, usage }))).toBe(100_000n);
  });
});

describe('planRequestChain', () => {
  it('drops fallback-model routes that cannot produce the requested length, never the primary\'s', () => {
    const resolved = create(ResolveResponseSchema, {
      model: { id: 'a/big', maxOutputTokens: 32_000 },
      chain: [route('p', 'a/big', 1n, { maxOutputTokens: 32_000 }), route('q', 'b/small', 1n, { maxOutputTokens: 1_000 }), route('r', 'c/mid', 1n, { maxOutputTokens: 8_000 })],
    });
    const request = { model: 'a/big', messages: [{ role: 'user' as const, content: 'x' }], max_tokens: 4_000 };
    expect(planRequestChain(resolved, request, 'u').map((r) => r.provider)).toEqual(['p', 'r']);
  });
});
