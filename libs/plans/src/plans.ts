import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dollarsToMicros } from '@gatewayz/catalog';

/**
 * Plans and the trial, from libs/plans/data/plans.json: one source for both identity (per-key
 * rate limits by plan) and billing (allowance, daily caps, the trial).
 */
const dollars = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/);
const limits = z.object({
  rpm: z.number().int().positive(),
  tpm: z.number().int().positive(),
  tokens_per_day: z.number().int().positive(),
  tokens_per_month: z.number().int().positive(),
});
const fileSchema = z.object({
  trial: z.object({ days: z.number().int().positive(), credit_usd: dollars, daily_spend_cap_usd: dollars }),
  plans: z
    .array(
      z.object({
        slug: z.enum(['free', 'starter', 'pro', 'enterprise']),
        name: z.string().min(1),
        monthly_price_usd: dollars,
        monthly_allowance_usd: dollars,
        daily_spend_cap_usd: dollars.nullable(),
        rate_limits: limits,
      }),
    )
    .length(4),
});

export type PlanSlug = 'free' | 'starter' | 'pro' | 'enterprise';

export interface RateLimits {
  rpm: number;
  tpm: number;
  tokensPerDay: number;
  tokensPerMonth: number;
}

export interface Plan {
  slug: PlanSlug;
  name: string;
  monthlyPriceMicros: bigint;
  monthlyAllowanceMicros: bigint;
  /** null: no daily cap. */
  dailySpendCapMicros: bigint | null;
  rateLimits: RateLimits;
}

export interface TrialTerms {
  days: number;
  creditMicros: bigint;
  dailySpendCapMicros: bigint;
}

export interface PlanCatalog {
  trial: TrialTerms;
  plans: readonly Plan[];
  bySlug(slug: string): Plan | undefined;
}

export function parsePlans(json: unknown): PlanCatalog {
  const data = fileSchema.parse(json);
  const plans: Plan[] = data.plans.map((p) => ({
    slug: p.slug,
    name: p.name,
    monthlyPriceMicros: dollarsToMicros(p.monthly_price_usd),
    monthlyAllowanceMicros: dollarsToMicros(p.monthly_allowance_usd),
    dailySpendCapMicros: p.daily_spend_cap_usd === null ? null : dollarsToMicros(p.daily_spend_cap_usd),
    rateLimits: {
      rpm: p.rate_limits.rpm,
      tpm: p.rate_limits.tpm,
      tokensPerDay: p.rate_limits.tokens_per_day,
      tokensPerMonth: p.rate_limits.tokens_per_month,
    },
  }));
  if (new Set(plans.map((p) => p.slug)).size !== plans.length) throw new Error('plans.json: duplicate plan slug');
  const bySlug = new Map(plans.map((p) => [p.slug, p] as const));
  return Object.freeze({
    trial: {
      days: data.trial.days,
      creditMicros: dollarsToMicros(data.trial.credit_usd),
      dailySpendCapMicros: dollarsToMicros(data.trial.daily_spend_cap_usd),
    },
    plans,
    bySlug: (slug: string) => bySlug.get(slug as PlanSlug),
  });
}

function findPlansFile(): string {
  if (process.env.PLANS_FILE) return process.env.PLANS_FILE;
  let dir = __dirname;
  for (;;) {
    for (const candidate of [path.join(dir, 'libs/plans/data/plans.json'), path.join(dir, 'data/plans.json')]) {
      if (existsSync(candidate)) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find libs/plans/data/plans.json; set PLANS_FILE');
    dir = parent;
  }
}

let cached: PlanCatalog | undefined;

export function loadPlans(): PlanCatalog {
  cached ??= parsePlans(JSON.parse(readFileSync(findPlansFile(), 'utf8')));
  return cached;
}
