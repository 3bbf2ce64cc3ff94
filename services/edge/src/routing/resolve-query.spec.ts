import { ProviderSort } from '@gatewayz/proto';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import { resolveQueryFor } from './resolve-query';

const req = (o: Partial<ChatCompletionRequest>): ChatCompletionRequest => ({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], ...o }) as ChatCompletionRequest;

describe('resolveQueryFor (what the edge asks routing, and caches the answer under)', () => {
  it('keys a plain request by its model, case-insensitively, and sends no prompt', () => {
    const a = resolveQueryFor(req({ model: 'GPT-4o' }));
    expect(a.key).toBe(resolveQueryFor(req({ model: 'gpt-4o', messages: [{ role: 'user', content: 'other' }] })).key);
    expect(a.request.routerInput).toBeUndefined();
  });

  it('puts preferences and fallback models in the key and the request, prices as exact micro-dollars', () => {
    const q = resolveQueryFor(req({ provider: { sort: 'price', max_price: { prompt: 2.5, completion: '10' } }, models: ['gpt-4o-mini'] }));
    expect(q.key).not.toBe(resolveQueryFor(req({})).key);
    expect(q.key).not.toBe(resolveQueryFor(req({ provider: { sort: 'latency' } })).key);
    expect(q.request).toMatchObject({ fallbackModels: ['gpt-4o-mini'], provider: { sort: ProviderSort.PRICE, maxPrice: { promptPerMtok: 2_500_000n, completionPerMtok: 10_000_000n } } });
  });

  it('sends the parameters in use only with require_parameters', () => {
    expect(resolveQueryFor(req({ logprobs: true, temperature: 0.2 })).request.parameters).toEqual([]);
    expect(resolveQueryFor(req({ logprobs: true, temperature: 0.2, max_tokens: 5, provider: { require_parameters: true } })).request.parameters).toEqual(['logprobs', 'temperature']);
  });

  it('never caches a router model by its name alone: the prompt digest is in the key', () => {
    const a = resolveQueryFor(req({ model: 'router:code:auto', messages: [{ role: 'user', content: 'fix a typo' }] }));
    const b = resolveQueryFor(req({ model: 'router:code:auto', messages: [{ role: 'user', content: 'design a distributed system' }] }));
    expect(a.key).not.toBe(b.key);
    expect(a.request.routerInput).toMatchObject({ prompt: 'fix a typo', messageCount: 1 });
  });
});
