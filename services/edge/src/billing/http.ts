import type { Request } from 'express';
import { z } from 'zod';
import { dollarsToMicros, microsToCredits, microsToDollarNumber } from '@gatewayz/billing-ledger';
import { errors } from '@gatewayz/errors';
import type { Account, BillingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import { validationError } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';

export type BillingClient = ServiceClient<typeof BillingService>;

/** Money in JSON: US dollars as a number (exact decimal text from integer micro-dollars). */
export const usd = (micros: bigint): number => microsToDollarNumber(micros);
/** The display unit: 1 credit = $0.01. */
export const credits = (micros: bigint): number => Number(microsToCredits(micros));
export const iso = (ms: bigint): string | null => (ms > 0n ? new Date(Number(ms)).toISOString() : null);

export function parse<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value ?? {});
  if (!r.success) throw validationError(r.error);
  return r.data;
}

/** A dollar amount given as a JSON number or string ("12.50"), converted exactly to µ$. */
export const dollarAmount = (options: { signed: boolean }) =>
  z.union([z.number(), z.string()]).transform((v, ctx) => {
    const text = String(v).trim();
    const negative = text.startsWith('-');
    const abs = negative ? text.slice(1) : text;
    if ((negative && !options.signed) || !/^\d{1,9}(\.\d{1,6})?$/.test(abs)) {
      ctx.addIssue({ code: 'custom', message: `must be ${options.signed ? 'a signed' : 'a'} dollar amount with at most 6 decimals, like "12.50"` });
      return z.NEVER;
    }
    const micros = dollarsToMicros(abs);
    return negative ? -micros : micros;
  });

export const pageQuery = (max: number, fallback: number) =>
  z.object({
    limit: z.coerce.number().int().min(1).max(max).default(fallback),
    offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  });

export function caller(req: Request): AuthContext {
  if (!req.auth) throw errors.unauthorized('Missing API key. Send it as "Authorization: Bearer gw_live_...".', 'missing_api_key');
  return req.auth;
}

export function accountJson(a: Account) {
  const t = a.trial;
  return {
    user_id: a.userId,
    plan: a.plan,
    plan_source: a.planSource,
    currency: 'USD',
    balance: usd(a.allowanceMicros + a.purchasedMicros),
    available: usd(a.availableMicros),
    available_credits: credits(a.availableMicros),
    allowance: usd(a.allowanceMicros),
    allowance_expires_at: iso(a.allowanceExpiresAtMs),
    purchased: usd(a.purchasedMicros),
    reserved: usd(a.reservedMicros),
    daily_limit: a.dailyCapMicros < 0n ? null : usd(a.dailyCapMicros),
    spent_today: usd(a.spentTodayMicros),
    low_balance_threshold: usd(a.lowThresholdMicros),
    subscription: a.subscriptionStatus ? { status: a.subscriptionStatus, cancel_at_period_end: a.cancelAtPeriodEnd } : null,
    trial: t ? trialJson(t) : null,
  };
}

export function trialJson(t: NonNullable<Account['trial']>) {
  return {
    status: t.state,
    is_active: t.state === 'active',
    is_expired: t.state === 'expired',
    started_at: iso(t.startedAtMs),
    ends_at: iso(t.endsAtMs),
    days_remaining: t.daysRemaining,
    credit: usd(t.creditMicros),
    daily_limit: t.dailyCapMicros < 0n ? null : usd(t.dailyCapMicros),
    partner_code: t.partnerCode || null,
  };
}

/** "YYYY-MM-DD" (start of that UTC day) or an ISO timestamp → Unix ms as bigint. */
export const dateParam = z
  .string()
  .refine((s) => /^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:\d{2})?)?$/.test(s) && !Number.isNaN(Date.parse(s)), 'must be a date like 2026-03-01 or an ISO timestamp')
  .transform((s) => BigInt(Date.parse(s.length === 10 ? `${s}T00:00:00Z` : s)));

export type { BillingService };
