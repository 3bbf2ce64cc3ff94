import type { PlanCatalog, RateLimits } from '@gatewayz/plans';
import { MINUTE, UTC_DAY, UTC_MONTH, type CounterRule, type WindowSpec } from '@gatewayz/ratelimit';
import type { KeyLimitOverrides } from '../auth/api-key.repository';

/**
 * Layer 2: a key's limits are its plan's (libs/plans), lowered by the owner's per-key choices
 * (never raised: PUT /user/rate-limits/{key_id} refuses values above the plan).
 */
export function effectiveLimits(plan: RateLimits, overrides: KeyLimitOverrides): RateLimits {
  const pick = (planValue: number, override: number | null) => (override === null ? planValue : Math.min(planValue, override));
  return {
    rpm: pick(plan.rpm, overrides.rpm),
    tpm: pick(plan.tpm, overrides.tpm),
    tokensPerDay: pick(plan.tokensPerDay, overrides.tokensPerDay),
    tokensPerMonth: pick(plan.tokensPerMonth, overrides.tokensPerMonth),
  };
}

/** The plan of a slug, falling back to the free plan for an unknown one. */
export function planLimits(plans: PlanCatalog, slug: string): { slug: string; limits: RateLimits } {
  const plan = plans.bySlug(slug) ?? plans.bySlug('free') ?? plans.plans[0]!;
  return { slug: plan.slug, limits: plan.rateLimits };
}

/** Token counters, filled after each response with the tokens it used. */
export const TOKEN_WINDOWS: { name: string; window: WindowSpec }[] = [
  { name: 'tpm', window: MINUTE },
  { name: 'tpd', window: UTC_DAY },
  { name: 'tpmo', window: UTC_MONTH },
];

/** Requests are counted on admission; token budgets are checked (exhausted → refused) and filled later. */
export function keyRules(limits: RateLimits): CounterRule[] {
  return [
    { name: 'rpm', limit: limits.rpm, window: MINUTE, cost: 1 },
    { name: 'tpm', limit: limits.tpm, window: MINUTE, cost: 0 },
    { name: 'tpd', limit: limits.tokensPerDay, window: UTC_DAY, cost: 0 },
    { name: 'tpmo', limit: limits.tokensPerMonth, window: UTC_MONTH, cost: 0 },
  ];
}

export const RULE_DESCRIPTIONS: Record<string, string> = {
  rpm: 'requests per minute',
  tpm: 'tokens per minute',
  tpd: 'tokens per day (UTC)',
  tpmo: 'tokens per month (UTC)',
  rpd: 'requests per day (UTC)',
};
