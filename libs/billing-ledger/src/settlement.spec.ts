import { settle, type SettleAccount } from './settlement';

const now = new Date('2026-03-10T12:00:00.000Z');
const account = (o: Partial<SettleAccount> = {}): SettleAccount => ({
  allowanceMicros: 1_000n,
  allowanceExpiresAt: null,
  purchasedMicros: 5_000n,
  reservedMicros: 900n,
  dayStart: '2026-03-10',
  daySpentMicros: 100n,
  lowThresholdMicros: 1_000n,
  ...o,
});
const held = { amountMicros: 900n, status: 'held' as const };
const success = (cost: bigint) => ({ status: 'success' as const, costMicros: cost, occurredAt: now });

describe('settlement', () => {
  it('debits the subscription allowance first (CM-6.2.1, AC-6.1.3)', () => {
    const r = settle({ account: account(), reservation: held, event: success(600n), now });
    expect(r).toMatchObject({ fromAllowance: 600n, fromPurchased: 0n, charged: 600n, reservationStatus: 'settled' });
    expect(r.account).toMatchObject({ allowanceMicros: 400n, purchasedMicros: 5_000n, reservedMicros: 0n, daySpentMicros: 700n });
  });

  it('then purchased credits once the allowance is used up (CM-6.2.2)', () => {
    const r = settle({ account: account(), reservation: held, event: success(1_500n), now });
    expect(r).toMatchObject({ fromAllowance: 1_000n, fromPurchased: 500n });
    expect(r.account.allowanceMicros).toBe(0n);
    expect(r.account.purchasedMicros).toBe(4_500n);
  });

  it('skips an expired allowance', () => {
    const r = settle({ account: account({ allowanceExpiresAt: new Date(now.getTime() - 1) }), reservation: held, event: success(300n), now });
    expect(r).toMatchObject({ fromAllowance: 0n, fromPurchased: 300n });
  });

  it.each(['failed', 'cancelled'] as const)('a %s request is never charged and releases its reservation (CM-6.5.x)', (status) => {
    const r = settle({ account: account(), reservation: held, event: { status, costMicros: 777n, occurredAt: now }, now });
    expect(r).toMatchObject({ charged: 0n, reservationStatus: 'released' });
    expect(r.account).toMatchObject({ allowanceMicros: 1_000n, purchasedMicros: 5_000n, reservedMicros: 0n, daySpentMicros: 100n });
  });

  it('never drives the balance below zero; the excess is uncollected', () => {
    const r = settle({ account: account({ allowanceMicros: 0n, purchasedMicros: 50n }), reservation: held, event: success(80n), now });
    expect(r).toMatchObject({ charged: 50n, uncollected: 30n, depleted: true });
    expect(r.account.purchasedMicros).toBe(0n);
  });

  it('a reservation that already expired is not released twice, but the usage is still charged', () => {
    const r = settle({ account: account({ reservedMicros: 0n }), reservation: { amountMicros: 900n, status: 'expired' }, event: success(10n), now });
    expect(r.reservationStatus).toBeUndefined();
    expect(r.account.reservedMicros).toBe(0n);
    expect(r.charged).toBe(10n);
  });

  it('starts a new day for the daily cap; old events do not count toward today', () => {
    const tomorrow = new Date('2026-03-11T00:00:01.000Z');
    const r = settle({ account: account(), reservation: held, event: { ...success(50n), occurredAt: tomorrow }, now: tomorrow });
    expect(r.account).toMatchObject({ dayStart: '2026-03-11', daySpentMicros: 50n });
    const old = settle({ account: account(), reservation: held, event: { ...success(50n), occurredAt: new Date('2026-03-09T23:00:00Z') }, now });
    expect(old.account).toMatchObject({ dayStart: '2026-03-10', daySpentMicros: 100n });
  });

  it('signals credits.low when the balance crosses the threshold, once', () => {
    const r = settle({ account: account({ allowanceMicros: 0n, purchasedMicros: 1_100n }), reservation: held, event: success(200n), now });
    expect(r).toMatchObject({ low: true, depleted: false });
    const again = settle({ account: r.account, event: success(100n), now });
    expect(again.low).toBe(false);
  });
});
