import { loadPlans } from '@gatewayz/plans';
import {
  dailyCapInForce,
  effectiveAllowance,
  openingTerms,
  partnerTrialTerms,
  periodEndTerms,
  planChangeTerms,
  trialStatus,
  type AccountTerms,
} from './account-rules';
import { addDays } from './calendar';

const catalog = loadPlans();
const now = new Date('2026-03-10T12:00:00.000Z');
const sum = (entries: { amountMicros: bigint }[]) => entries.reduce((a, e) => a + e.amountMicros, 0n);

describe('opening an account', () => {
  it('gives the trial from libs/plans: 14 days, $5, $1/day, on the free plan (CM-7.1, AC-6.2.1)', () => {
    const { terms, entries, planChanged } = openingTerms({ catalog, userId: 'u1', now });
    expect(terms.plan).toBe('free');
    expect(terms.allowanceMicros).toBe(5_000_000n);
    expect(terms.trialEndsAt).toEqual(addDays(now, 14));
    expect(terms.allowanceExpiresAt).toEqual(terms.trialEndsAt);
    expect(terms.trialDailyCapMicros).toBe(1_000_000n);
    expect(entries).toEqual([{ kind: 'trial', key: 'trial:u1', amountMicros: 5_000_000n, allowanceDeltaMicros: 5_000_000n, purchasedDeltaMicros: 0n }]);
    expect(planChanged).toBe(false);
  });

  it("a partner trial applies the partner's plan, credit, length and daily limit (AC-CC.9.3)", () => {
    const partner = { code: 'REDBEARD', plan: 'pro' as const, trialDays: 14, creditMicros: 100_000_000n, dailyCapMicros: 20_000_000n };
    const { terms, entries, planChanged } = openingTerms({ catalog, userId: 'u1', now, partner });
    expect(terms).toMatchObject({ plan: 'pro', planSource: 'trial', allowanceMicros: 100_000_000n, trialDailyCapMicros: 20_000_000n, partnerCode: 'REDBEARD' });
    expect(sum(entries)).toBe(100_000_000n);
    expect(planChanged).toBe(true);
    expect(dailyCapInForce(terms, now)).toBe(20_000_000n);
  });

  it('a partner code after a lazy opening replaces the standard trial credit, once', () => {
    const opened = openingTerms({ catalog, userId: 'u1', now }).terms;
    const spent = { ...opened, allowanceMicros: 3_000_000n };
    const partner = { code: 'P', plan: 'starter' as const, trialDays: 30, creditMicros: 20_000_000n, dailyCapMicros: null };
    const change = partnerTrialTerms({ catalog, userId: 'u1', current: spent, partner, now })!;
    expect(change.terms.allowanceMicros).toBe(20_000_000n);
    expect(sum(change.entries)).toBe(20_000_000n - 3_000_000n);
    expect(dailyCapInForce(change.terms, now)).toBeNull();
    expect(partnerTrialTerms({ catalog, userId: 'u1', current: change.terms, partner, now })).toBeUndefined();
  });
});

describe('trial', () => {
  const { terms } = openingTerms({ catalog, userId: 'u1', now });

  it('reports days remaining, then expiry', () => {
    expect(trialStatus(terms, now)).toMatchObject({ state: 'active', daysRemaining: 14 });
    expect(trialStatus(terms, addDays(now, 13.5))).toMatchObject({ state: 'active', daysRemaining: 1 });
    expect(trialStatus(terms, addDays(now, 14))).toMatchObject({ state: 'expired', daysRemaining: 0 });
  });

  it('an expired trial credit cannot be spent, and the cap falls back to the plan (AC-6.2.3)', () => {
    const later = addDays(now, 15);
    expect(effectiveAllowance(terms, later)).toBe(0n);
    expect(dailyCapInForce(terms, later)).toBe(catalog.bySlug('free')!.dailySpendCapMicros);
  });

  it('at its end the unused credit expires with a ledger row and nothing renews', () => {
    const change = periodEndTerms({ catalog, userId: 'u1', current: { ...terms, allowanceMicros: 1_234n }, now: addDays(now, 15) })!;
    expect(change.terms.allowanceMicros).toBe(0n);
    expect(change.entries).toEqual([expect.objectContaining({ kind: 'allowance_expiry', amountMicros: -1_234n })]);
    expect(periodEndTerms({ catalog, userId: 'u1', current: change.terms, now: addDays(now, 16) })).toBeUndefined();
  });
});

describe('plans and the monthly allowance', () => {
  const trial = openingTerms({ catalog, userId: 'u1', now }).terms;

  it('subscribing ends the trial, expires its credit and grants the plan allowance for a month', () => {
    const change = planChangeTerms({ catalog, userId: 'u1', current: { ...trial, allowanceMicros: 4_000_000n }, to: 'pro', source: 'stripe', now });
    expect(change.terms).toMatchObject({ plan: 'pro', planSource: 'stripe', allowanceMicros: 50_000_000n, trialEndsAt: now });
    expect(change.terms.allowanceExpiresAt).toEqual(new Date('2026-04-10T12:00:00.000Z'));
    expect(change.entries.map((e) => [e.kind, e.amountMicros])).toEqual([
      ['allowance_expiry', -4_000_000n],
      ['subscription_grant', 50_000_000n],
    ]);
    expect(change.planChanged).toBe(true);
  });

  it('an upgrade mid-period adds the difference; a downgrade keeps the granted allowance (CM-7.10)', () => {
    const starter = planChangeTerms({ catalog, userId: 'u1', current: trial, to: 'starter', source: 'stripe', now }).terms;
    const used = { ...starter, allowanceMicros: 6_000_000n };
    const pro = planChangeTerms({ catalog, userId: 'u1', current: used, to: 'pro', source: 'stripe', now: addDays(now, 3) });
    expect(pro.terms.allowanceMicros).toBe(6_000_000n + 40_000_000n);
    expect(pro.terms.allowanceExpiresAt).toEqual(starter.allowanceExpiresAt);
    const down = planChangeTerms({ catalog, userId: 'u1', current: pro.terms, to: 'starter', source: 'stripe', now: addDays(now, 4) });
    expect(down.entries).toEqual([]);
    expect(down.terms.allowanceMicros).toBe(46_000_000n);
    expect(down.terms.dailyCapMicros).toBe(catalog.bySlug('starter')!.dailySpendCapMicros);
  });

  it('renews monthly without rollover (AC-6.2.7, CM-6.2.4)', () => {
    const pro = planChangeTerms({ catalog, userId: 'u1', current: trial, to: 'pro', source: 'admin', now }).terms;
    const leftover = { ...pro, allowanceMicros: 7_000_000n };
    const renewed = periodEndTerms({ catalog, userId: 'u1', current: leftover, now: new Date('2026-04-10T12:00:01.000Z') })!;
    expect(renewed.terms.allowanceMicros).toBe(50_000_000n);
    expect(renewed.terms.periodStart).toEqual(new Date('2026-04-10T12:00:00.000Z'));
    expect(renewed.terms.allowanceExpiresAt).toEqual(new Date('2026-05-10T12:00:00.000Z'));
    expect(renewed.entries.map((e) => [e.kind, e.amountMicros])).toEqual([
      ['allowance_expiry', -7_000_000n],
      ['subscription_grant', 50_000_000n],
    ]);
  });

  it('after missed periods, renews once into the current period', () => {
    const pro = planChangeTerms({ catalog, userId: 'u1', current: trial, to: 'pro', source: 'admin', now }).terms;
    const renewed = periodEndTerms({ catalog, userId: 'u1', current: pro, now: new Date('2026-06-20T00:00:00.000Z') })!;
    expect(renewed.terms.periodStart).toEqual(new Date('2026-06-10T12:00:00.000Z'));
    expect(renewed.entries.filter((e) => e.kind === 'subscription_grant')).toHaveLength(1);
  });

  it('a partner trial plan falls back to free when the trial ends', () => {
    const partner = { code: 'P', plan: 'pro' as const, trialDays: 7, creditMicros: 1n, dailyCapMicros: null };
    const opened = openingTerms({ catalog, userId: 'u1', now, partner }).terms;
    const ended = periodEndTerms({ catalog, userId: 'u1', current: opened, now: addDays(now, 8) })!;
    expect(ended.terms).toMatchObject({ plan: 'free', planSource: 'default', allowanceMicros: 0n });
    expect(ended.planChanged).toBe(true);
  });

  it('moving to free keeps the paid allowance until its period ends, then stops renewing', () => {
    const pro = planChangeTerms({ catalog, userId: 'u1', current: trial, to: 'pro', source: 'stripe', now }).terms;
    const free: AccountTerms = planChangeTerms({ catalog, userId: 'u1', current: pro, to: 'free', source: 'stripe', now: addDays(now, 1) }).terms;
    expect(free.allowanceMicros).toBe(50_000_000n);
    const ended = periodEndTerms({ catalog, userId: 'u1', current: free, now: addDays(now, 40) })!;
    expect(ended.terms.allowanceMicros).toBe(0n);
    expect(ended.entries.map((e) => e.kind)).toEqual(['allowance_expiry']);
  });
});
