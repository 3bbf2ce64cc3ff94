import { loadPlans } from './plans';

describe('plans data', () => {
  const catalog = loadPlans();

  it('defines the trial as 14 days, $5, $1/day (spec 000: the latest delta report)', () => {
    expect(catalog.trial).toEqual({ days: 14, creditMicros: 5_000_000n, dailySpendCapMicros: 1_000_000n });
  });

  it('has the four tiers, each with more headroom than the one below', () => {
    expect(catalog.plans.map((p) => p.slug)).toEqual(['free', 'starter', 'pro', 'enterprise']);
    for (let i = 1; i < catalog.plans.length; i++) {
      const lower = catalog.plans[i - 1]!.rateLimits;
      const higher = catalog.plans[i]!.rateLimits;
      expect(higher.rpm).toBeGreaterThan(lower.rpm);
      expect(higher.tpm).toBeGreaterThan(lower.tpm);
      expect(higher.tokensPerDay).toBeGreaterThan(lower.tokensPerDay);
      expect(higher.tokensPerMonth).toBeGreaterThan(lower.tokensPerMonth);
    }
    expect(catalog.bySlug('pro')?.monthlyAllowanceMicros).toBe(50_000_000n);
    expect(catalog.bySlug('enterprise')?.dailySpendCapMicros).toBeNull();
    expect(catalog.bySlug('gold')).toBeUndefined();
  });
});
