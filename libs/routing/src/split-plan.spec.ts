import { conversationKey, planChain, unitFromKey } from './split-plan';

const chain = [
  { provider: 'openai', splitWeight: 70 },
  { provider: 'openrouter', splitWeight: 30 },
  { provider: 'other-model-route', splitWeight: 0 },
];

describe('per-request split draw', () => {
  it('leaves a chain without weights as it is', () => {
    const plain = chain.map((r) => ({ ...r, splitWeight: 0 }));
    expect(planChain(plain, { random: () => 0.99 })).toEqual(plain);
  });

  it('draws the first route with probability weight / total, keeping the rest as failover', () => {
    expect(planChain(chain, { random: () => 0.1 }).map((r) => r.provider)).toEqual(['openai', 'openrouter', 'other-model-route']);
    expect(planChain(chain, { random: () => 0.75 }).map((r) => r.provider)).toEqual(['openrouter', 'openai', 'other-model-route']);
    let seed = 42;
    const random = () => ((seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31);
    let first = 0;
    for (let i = 0; i < 10_000; i++) if (planChain(chain, { random })[0]!.provider === 'openai') first++;
    expect(first / 10_000).toBeGreaterThan(0.68);
    expect(first / 10_000).toBeLessThan(0.72);
  });

  it('is sticky per conversation: the same key always draws the same route', () => {
    const key = conversationKey('user-1', { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }] });
    const picks = new Set(Array.from({ length: 20 }, () => planChain(chain, { stickyKey: key })[0]!.provider));
    expect(picks.size).toBe(1);
    expect(unitFromKey(key)).toBeGreaterThanOrEqual(0);
    expect(unitFromKey(key)).toBeLessThan(1);
  });

  it('identifies a conversation by its caller and opening messages, not by later turns', () => {
    const opening = [{ role: 'system' as const, content: 'Be brief.' }, { role: 'user' as const, content: 'Plan a trip.' }];
    const later = [...opening, { role: 'assistant' as const, content: 'Where to?' }, { role: 'user' as const, content: 'Rome.' }];
    expect(conversationKey('u', { messages: later })).toBe(conversationKey('u', { messages: opening }));
    expect(conversationKey('u', { messages: opening })).not.toBe(conversationKey('v', { messages: opening }));
  });
});
