import { GatewayError } from '@gatewayz/errors';
import { dailyCapInForce, effectiveAllowance, isTrialActive, type AccountTerms } from './account-rules';
import { utcDay } from './calendar';
import { microsToCredits, microsToDollarNumber, microsToDollars } from './units';

/**
 * The Authorize rule. The database applies it atomically (one conditional statement under the
 * account's row lock); this is the same rule in TypeScript, used to explain a refusal to the
 * client and to test the rule without I/O:
 *
 *   available = allowance (unless expired) + purchased − open reservations ≥ amount
 *   and, under a daily cap: spent today + open reservations + amount ≤ cap
 *   (a free request, amount 0, always fits: free models stay reachable whatever the balance)
 */
export interface AuthorizeState extends Pick<AccountTerms, 'allowanceMicros' | 'allowanceExpiresAt' | 'trialEndsAt' | 'trialDailyCapMicros' | 'dailyCapMicros'> {
  purchasedMicros: bigint;
  reservedMicros: bigint;
  dayStart: string;
  daySpentMicros: bigint;
}

export type Refusal = 'insufficient_credits' | 'daily_cap' | 'trial_expired';

export function availableMicros(s: AuthorizeState, now: Date): bigint {
  return effectiveAllowance(s, now) + s.purchasedMicros - s.reservedMicros;
}

export function spentToday(s: Pick<AuthorizeState, 'dayStart' | 'daySpentMicros'>, now: Date): bigint {
  return s.dayStart === utcDay(now) ? s.daySpentMicros : 0n;
}

export function authorizeDecision(s: AuthorizeState, amount: bigint, now: Date): { ok: true } | { ok: false; refusal: Refusal } {
  if (amount === 0n) return { ok: true }; // a free request always fits
  const cap = dailyCapInForce(s, now);
  if (availableMicros(s, now) < amount) {
    const trialOver = s.trialEndsAt !== null && !isTrialActive(s, now) && effectiveAllowance(s, now) === 0n && s.purchasedMicros === 0n;
    return { ok: false, refusal: trialOver ? 'trial_expired' : 'insufficient_credits' };
  }
  if (cap !== null && spentToday(s, now) + s.reservedMicros + amount > cap) return { ok: false, refusal: 'daily_cap' };
  return { ok: true };
}

export interface BillingLinks {
  purchaseUrl: string;
  upgradeUrl: string;
}

/**
 * 402 in the API's error shape, with what the client needs to act: the balance it has, what
 * the request needs, and where to buy credits or upgrade.
 */
export function refusalError(input: { refusal: Refusal; state: AuthorizeState; amount: bigint; now: Date; links: BillingLinks }): GatewayError {
  const { state, amount, now } = input;
  const available = availableMicros(state, now);
  const balance = available > 0n ? available : 0n;
  const cap = dailyCapInForce(state, now);
  const details: Record<string, unknown> = {
    balance: microsToDollarNumber(balance),
    required: microsToDollarNumber(amount),
    balance_credits: Number(microsToCredits(balance)),
    required_credits: Number(microsToCredits(amount)),
    currency: 'USD',
    purchase_url: input.links.purchaseUrl,
    upgrade_url: input.links.upgradeUrl,
  };
  const usd = (m: bigint) => `$${microsToDollars(m)}`;
  let message: string;
  if (input.refusal === 'daily_cap') {
    details.daily_limit = microsToDollarNumber(cap ?? 0n);
    details.spent_today = microsToDollarNumber(spentToday(state, now) + state.reservedMicros);
    message = `Daily spending limit reached: this request may cost up to ${usd(amount)} and ${usd(spentToday(state, now) + state.reservedMicros)} of your ${usd(cap ?? 0n)} daily limit is used. The limit resets at 00:00 UTC; upgrade your plan for a higher limit.`;
  } else if (input.refusal === 'trial_expired') {
    message = `Your free trial has ended. Buy credits or choose a plan to keep using paid models; models ending in ':free' remain available.`;
  } else {
    message = `Insufficient credits: this request may cost up to ${usd(amount)} but ${usd(balance)} is available. Buy credits or upgrade your plan.`;
  }
  return new GatewayError({ code: input.refusal, message, status: 402, type: 'insufficient_credits', details });
}
