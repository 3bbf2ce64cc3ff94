import type { PlanCatalog, PlanSlug } from '@gatewayz/plans';
import { addDays, addMonths } from './calendar';
import { allowanceEntry, type LedgerEntry } from './ledger-entry';

/**
 * Plans, trials and the monthly allowance as pure rules over an account's terms. Two balances:
 * the allowance (the trial credit, or the plan's monthly allowance; it expires at the end of
 * its period and never rolls over) and purchased credits (never expire, survive every plan
 * change). Spending takes the allowance first.
 */
export type PlanSource = 'default' | 'trial' | 'admin' | 'stripe';

export interface AccountTerms {
  plan: PlanSlug;
  /** Why the account has its plan: 'trial' plans (partner trials) end with the trial. */
  planSource: PlanSource;
  allowanceMicros: bigint;
  /** End of the allowance's period (trial end or month end); null: no allowance period. */
  allowanceExpiresAt: Date | null;
  periodStart: Date | null;
  trialStartedAt: Date | null;
  trialEndsAt: Date | null;
  /** Daily spend cap while the trial runs (null: none). */
  trialDailyCapMicros: bigint | null;
  /** The plan's daily spend cap (null: none). */
  dailyCapMicros: bigint | null;
  partnerCode: string | null;
}

export interface PartnerTerms {
  code: string;
  plan: PlanSlug;
  trialDays: number;
  creditMicros: bigint;
  /** null: the partner trial has no daily cap. */
  dailyCapMicros: bigint | null;
}

export interface TermsChange {
  terms: AccountTerms;
  entries: LedgerEntry[];
  planChanged: boolean;
}

function planOf(catalog: PlanCatalog, slug: string) {
  const plan = catalog.bySlug(slug);
  if (!plan) throw new Error(`unknown plan ${slug}`);
  return plan;
}

/** A new account: the standard trial (libs/plans) on the free plan, or a partner's trial. */
export function openingTerms(input: { catalog: PlanCatalog; userId: string; now: Date; partner?: PartnerTerms }): TermsChange {
  const { catalog, now, partner } = input;
  const days = partner?.trialDays ?? catalog.trial.days;
  const credit = partner?.creditMicros ?? catalog.trial.creditMicros;
  const plan = partner?.plan ?? 'free';
  const ends = addDays(now, days);
  return {
    terms: {
      plan,
      planSource: partner ? 'trial' : 'default',
      allowanceMicros: credit,
      allowanceExpiresAt: ends,
      periodStart: now,
      trialStartedAt: now,
      trialEndsAt: ends,
      trialDailyCapMicros: partner ? partner.dailyCapMicros : catalog.trial.dailySpendCapMicros,
      dailyCapMicros: planOf(catalog, plan).dailySpendCapMicros,
      partnerCode: partner?.code ?? null,
    },
    entries: [allowanceEntry('trial', `trial:${input.userId}`, credit)],
    planChanged: plan !== 'free',
  };
}

/**
 * Replaces a running standard trial with a partner's (partner code given after sign-up, or a
 * registration event that arrives after the account was opened lazily). The unused trial
 * credit is replaced by the partner credit. Refused (undefined) once a partner trial ran or
 * the account left the trial.
 */
export function partnerTrialTerms(input: { catalog: PlanCatalog; userId: string; current: AccountTerms; partner: PartnerTerms; now: Date }): TermsChange | undefined {
  const { current, now } = input;
  if (current.partnerCode !== null || current.planSource === 'admin' || current.planSource === 'stripe') return undefined;
  const opened = openingTerms({ catalog: input.catalog, userId: input.userId, now, partner: input.partner });
  const entries: LedgerEntry[] = [];
  if (current.allowanceMicros !== 0n) entries.push(allowanceEntry('allowance_expiry', `trial-replaced:${input.userId}`, -current.allowanceMicros));
  entries.push(allowanceEntry('trial', `partner-trial:${input.userId}`, input.partner.creditMicros));
  return {
    terms: { ...opened.terms, trialStartedAt: current.trialStartedAt ?? now },
    entries,
    planChanged: opened.terms.plan !== current.plan,
  };
}

/** The allowance that can be spent now (an expired allowance counts as zero). */
export function effectiveAllowance(terms: Pick<AccountTerms, 'allowanceMicros' | 'allowanceExpiresAt'>, now: Date): bigint {
  if (terms.allowanceExpiresAt !== null && terms.allowanceExpiresAt.getTime() <= now.getTime()) return 0n;
  return terms.allowanceMicros;
}

export function isTrialActive(terms: Pick<AccountTerms, 'trialEndsAt'>, now: Date): boolean {
  return terms.trialEndsAt !== null && terms.trialEndsAt.getTime() > now.getTime();
}

/** The daily spend cap in force: the trial's while it runs, else the plan's (null: none). */
export function dailyCapInForce(terms: Pick<AccountTerms, 'trialEndsAt' | 'trialDailyCapMicros' | 'dailyCapMicros'>, now: Date): bigint | null {
  return isTrialActive(terms, now) ? terms.trialDailyCapMicros : terms.dailyCapMicros;
}

export interface TrialStatus {
  state: 'active' | 'expired' | 'none';
  startedAt: Date | null;
  endsAt: Date | null;
  /** Whole days left, rounded up (0 once expired). */
  daysRemaining: number;
}

export function trialStatus(terms: Pick<AccountTerms, 'trialStartedAt' | 'trialEndsAt' | 'planSource'>, now: Date): TrialStatus {
  if (terms.trialEndsAt === null) return { state: 'none', startedAt: null, endsAt: null, daysRemaining: 0 };
  const left = terms.trialEndsAt.getTime() - now.getTime();
  return {
    state: left > 0 ? 'active' : 'expired',
    startedAt: terms.trialStartedAt,
    endsAt: terms.trialEndsAt,
    daysRemaining: left > 0 ? Math.ceil(left / 86_400_000) : 0,
  };
}

/**
 * A plan change (subscription, upgrade, downgrade, cancellation, admin assignment).
 * - Into a plan with an allowance from no running paid period (free, trial): the trial ends,
 *   its unused credit expires, a monthly period starts now with the new plan's allowance.
 * - Upgrade within a paid period: the allowance grows by the difference (same period).
 * - Downgrade, or to free: the allowance already granted stays until its period ends and is
 *   not renewed at the lower level until then.
 * Purchased credits are never touched.
 */
export function planChangeTerms(input: { catalog: PlanCatalog; userId: string; current: AccountTerms; to: PlanSlug; source: PlanSource; now: Date }): TermsChange {
  const { catalog, current, now, to } = input;
  const next = planOf(catalog, to);
  const from = planOf(catalog, current.plan);
  const base: AccountTerms = { ...current, plan: to, planSource: to === 'free' ? 'default' : input.source, dailyCapMicros: next.dailySpendCapMicros };
  const planChanged = to !== current.plan;
  const inPaidPeriod = (current.planSource === 'admin' || current.planSource === 'stripe') && current.allowanceExpiresAt !== null && current.allowanceExpiresAt > now;

  if (next.monthlyAllowanceMicros === 0n || (inPaidPeriod && next.monthlyAllowanceMicros <= from.monthlyAllowanceMicros)) {
    return { terms: base, entries: [], planChanged };
  }
  if (inPaidPeriod) {
    const delta = next.monthlyAllowanceMicros - from.monthlyAllowanceMicros;
    return {
      terms: { ...base, allowanceMicros: current.allowanceMicros + delta },
      entries: [allowanceEntry('subscription_grant', `grant:${input.userId}:${current.periodStart?.toISOString()}:${to}`, delta)],
      planChanged,
    };
  }
  const entries: LedgerEntry[] = [];
  const remaining = current.allowanceMicros;
  if (remaining > 0n) entries.push(allowanceEntry('allowance_expiry', `expiry:${input.userId}:${now.toISOString()}`, -remaining));
  entries.push(allowanceEntry('subscription_grant', `grant:${input.userId}:${now.toISOString()}:${to}`, next.monthlyAllowanceMicros));
  return {
    terms: {
      ...base,
      allowanceMicros: next.monthlyAllowanceMicros,
      allowanceExpiresAt: addMonths(now, 1),
      periodStart: now,
      trialEndsAt: current.trialEndsAt !== null && current.trialEndsAt > now ? now : current.trialEndsAt,
    },
    entries,
    planChanged,
  };
}

/**
 * Run when an allowance period has ended: the unused allowance expires (no rollover); a
 * trial-bound plan falls back to free; a plan with an allowance starts its next period (the
 * first period that has not ended yet, when several were missed) with a fresh allowance.
 * Returns undefined when nothing is due.
 */
export function periodEndTerms(input: { catalog: PlanCatalog; userId: string; current: AccountTerms; now: Date }): TermsChange | undefined {
  const { catalog, current, now } = input;
  if (current.allowanceExpiresAt === null || current.allowanceExpiresAt > now) return undefined;
  const ended = current.allowanceExpiresAt;
  const entries: LedgerEntry[] = [];
  if (current.allowanceMicros !== 0n) {
    entries.push(allowanceEntry('allowance_expiry', `expiry:${input.userId}:${ended.toISOString()}`, -current.allowanceMicros));
  }
  const backToFree = current.planSource === 'trial';
  const plan = backToFree ? planOf(catalog, 'free') : planOf(catalog, current.plan);
  const renews = !backToFree && (current.planSource === 'admin' || current.planSource === 'stripe') && plan.monthlyAllowanceMicros > 0n;
  let terms: AccountTerms = {
    ...current,
    plan: plan.slug,
    planSource: backToFree ? 'default' : current.planSource,
    dailyCapMicros: plan.dailySpendCapMicros,
    allowanceMicros: 0n,
    allowanceExpiresAt: null,
    periodStart: null,
  };
  if (renews) {
    let start = ended;
    let end = addMonths(start, 1);
    while (end <= now) {
      start = end;
      end = addMonths(start, 1);
    }
    terms = { ...terms, allowanceMicros: plan.monthlyAllowanceMicros, allowanceExpiresAt: end, periodStart: start };
    entries.push(allowanceEntry('subscription_grant', `grant:${input.userId}:${start.toISOString()}:${plan.slug}`, plan.monthlyAllowanceMicros));
  }
  return { terms, entries, planChanged: plan.slug !== current.plan };
}
