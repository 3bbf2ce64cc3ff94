import { authorizeDecision, refusalError, type AuthorizeState } from './authorization';

const now = new Date('2026-03-10T12:00:00.000Z');
const state = (o: Partial<AuthorizeState> = {}): AuthorizeState => ({
  allowanceMicros: 0n,
  allowanceExpiresAt: null,
  purchasedMicros: 1_000n,
  reservedMicros: 0n,
  trialEndsAt: null,
  trialDailyCapMicros: null,
  dailyCapMicros: null,
  dayStart: '2026-03-10',
  daySpentMicros: 0n,
  ...o,
});
const links = { purchaseUrl: '/api/stripe/credit-packages', upgradeUrl: '/plans' };

describe('authorize rule', () => {
  it('admits while allowance + purchased − reservations covers the amount', () => {
    expect(authorizeDecision(state(), 1_000n, now)).toEqual({ ok: true });
    expect(authorizeDecision(state({ reservedMicros: 1n }), 1_000n, now)).toEqual({ ok: false, refusal: 'insufficient_credits' });
    expect(authorizeDecision(state({ allowanceMicros: 1n, reservedMicros: 1n }), 1_000n, now)).toEqual({ ok: true });
  });

  it('counts open reservations against the daily cap (AC-6.1.13, AC-6.2.9)', () => {
    const capped = state({ purchasedMicros: 10_000_000n, dailyCapMicros: 1_000_000n, daySpentMicros: 600_000n, reservedMicros: 300_000n });
    expect(authorizeDecision(capped, 100_000n, now)).toEqual({ ok: true });
    expect(authorizeDecision(capped, 100_001n, now)).toEqual({ ok: false, refusal: 'daily_cap' });
    // Yesterday's spend does not count.
    expect(authorizeDecision({ ...capped, dayStart: '2026-03-09' }, 600_000n, now)).toEqual({ ok: true });
  });

  it('uses the trial cap while the trial runs', () => {
    const trial = state({ purchasedMicros: 10_000_000n, trialEndsAt: new Date(now.getTime() + 1), trialDailyCapMicros: 1_000_000n, dailyCapMicros: null });
    expect(authorizeDecision(trial, 1_000_001n, now)).toEqual({ ok: false, refusal: 'daily_cap' });
  });

  it('always admits a free request, even over the cap or with holds above the balance', () => {
    expect(authorizeDecision(state({ purchasedMicros: 0n, reservedMicros: 5n, dailyCapMicros: 1n, daySpentMicros: 2n }), 0n, now)).toEqual({ ok: true });
  });

  it('says when the trial is over and nothing was bought', () => {
    const over = state({ purchasedMicros: 0n, allowanceMicros: 5_000_000n, allowanceExpiresAt: now, trialEndsAt: now });
    expect(authorizeDecision(over, 1n, now)).toEqual({ ok: false, refusal: 'trial_expired' });
    expect(authorizeDecision(over, 0n, now)).toEqual({ ok: true });
  });

  it('builds a 402 with balance, required and purchase/upgrade links', () => {
    const err = refusalError({ refusal: 'insufficient_credits', state: state({ purchasedMicros: 4_500n }), amount: 163_840n, now, links });
    expect(err.status).toBe(402);
    expect(err.code).toBe('insufficient_credits');
    expect(err.details).toMatchObject({ balance: 0.0045, required: 0.16384, balance_credits: 0.45, required_credits: 16.384, purchase_url: links.purchaseUrl, upgrade_url: links.upgradeUrl });
    expect(err.message).toContain('$0.16384');
  });
});
