import { costMicros, type TokenPrice } from './cost';

const gpt4o: TokenPrice = {
  promptPerMtok: 2_500_000n,
  completionPerMtok: 10_000_000n,
  cacheReadPerMtok: 1_250_000n,
  cacheWritePerMtok: null,
  perRequest: null,
};

describe('costMicros', () => {
  it('is Σ tokens × price per bucket', () => {
    // 1000 × $2.50/M + 500 × $10/M = $0.0025 + $0.005 = 7500 µ$
    expect(costMicros({ inputTokens: 1000, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 500 }, gpt4o)).toBe(7_500n);
  });

  it('prices cache reads at the cache price, and at the prompt price when none is set', () => {
    const usage = { inputTokens: 0, cacheReadTokens: 1000, cacheWriteTokens: 1000, outputTokens: 0 };
    expect(costMicros(usage, gpt4o)).toBe(1_250n + 2_500n);
  });

  it('is zero for zero tokens and adds the per-request fee', () => {
    const zero = { inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0 };
    expect(costMicros(zero, gpt4o)).toBe(0n);
    expect(costMicros(zero, { ...gpt4o, perRequest: 5_000n })).toBe(5_000n);
  });

  it('rounds a fractional micro-dollar up once, never down to free', () => {
    const cheap: TokenPrice = { promptPerMtok: 150_000n, completionPerMtok: 600_000n, cacheReadPerMtok: null, cacheWritePerMtok: null, perRequest: null };
    // 1 × 0.15 µ$ = 0.15 µ$ → 1 µ$
    expect(costMicros({ inputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0 }, cheap)).toBe(1n);
    // 10 × 0.15 + 10 × 0.6 = 7.5 µ$ → 8 µ$ (rounded once, not per bucket: 2 + 6 would be 8 too, 1.5+6=7.5)
    expect(costMicros({ inputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 10 }, cheap)).toBe(8n);
  });

  it('refuses nonsense token counts', () => {
    expect(() => costMicros({ inputTokens: -1, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0 }, gpt4o)).toThrow();
    expect(() => costMicros({ inputTokens: 1.5, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0 }, gpt4o)).toThrow();
  });
});
