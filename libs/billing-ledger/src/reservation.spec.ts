import type { RoutePrice } from './pricing-guard';
import { estimateTokensFromChars, outputBound, reservationMicros, routeMaxCost } from './reservation';

const price = (prompt: bigint, completion: bigint, extra: Partial<RoutePrice> = {}): RoutePrice => ({
  promptPerMtok: prompt,
  completionPerMtok: completion,
  cacheReadPerMtok: prompt,
  cacheWritePerMtok: prompt,
  perRequest: 0n,
  perImage: 0n,
  ...extra,
});

describe('reservation: the maximum a request can cost (CM-6.3.2)', () => {
  it('is prompt estimate × input price + output bound × output price', () => {
    // 1,000 × $2.50/M + 4,096 × $10/M = 2,500 + 40,960 µ$
    expect(routeMaxCost(price(2_500_000n, 10_000_000n), { promptTokens: 1_000, maxOutputTokens: 4_096 })).toBe(43_460n);
  });

  it('prices prompt tokens at the dearest input price (cache writes can cost more than prompts)', () => {
    expect(routeMaxCost(price(3_000_000n, 15_000_000n, { cacheWritePerMtok: 3_750_000n }), { promptTokens: 1_000_000, maxOutputTokens: 0 })).toBe(3_750_000n);
  });

  it('adds per-request and per-image fees', () => {
    expect(routeMaxCost(price(0n, 0n, { perRequest: 5n, perImage: 40_000n }), { promptTokens: 10, maxOutputTokens: 10, images: 2 })).toBe(80_005n);
  });

  it('takes the dearest route of the failover chain', () => {
    const cheap = { price: price(100_000n, 200_000n) };
    const dear = { price: price(2_500_000n, 10_000_000n) };
    const estimate = { promptTokens: 100, maxOutputTokens: 100 };
    expect(reservationMicros([cheap, dear], estimate)).toBe(routeMaxCost(dear.price, estimate));
    expect(reservationMicros([], estimate)).toBe(0n);
  });

  it('caps max_tokens to the model limit and uses the limit when none is given', () => {
    expect(outputBound({ requested: 100, modelLimit: 8_192 })).toBe(100);
    expect(outputBound({ requested: 100_000, modelLimit: 8_192 })).toBe(8_192);
    expect(outputBound({ requested: undefined, modelLimit: 8_192 })).toBe(8_192);
    expect(outputBound({ requested: null, modelLimit: 0 })).toBe(0);
  });

  it('estimates one token per four characters, at least one (CM-14.1)', () => {
    expect(estimateTokensFromChars(0)).toBe(1);
    expect(estimateTokensFromChars(4)).toBe(1);
    expect(estimateTokensFromChars(5)).toBe(2);
    expect(estimateTokensFromChars(4_000)).toBe(1_000);
  });
});
