import { adminCapError, couponRejection, referralRejection, referralRewardDue, type CouponState } from './promotions';
import { microsToCents, microsToCredits } from './units';

const now = new Date('2026-03-10T12:00:00.000Z');
const coupon = (o: Partial<CouponState> = {}): CouponState => ({ amountMicros: 5_000_000n, expiresAt: null, maxRedemptions: null, redemptions: 0, userId: null, active: true, ...o });

describe('coupons', () => {
  it('accepts a valid coupon', () => {
    expect(couponRejection({ coupon: coupon(), userId: 'u', alreadyRedeemed: false, now })).toBeUndefined();
  });
  it('refuses unknown, inactive, expired, exhausted, someone else’s, and a second redemption (AC-CC.2.2-2.4)', () => {
    expect(couponRejection({ coupon: undefined, userId: 'u', alreadyRedeemed: false, now })).toBe('coupon_not_found');
    expect(couponRejection({ coupon: coupon({ active: false }), userId: 'u', alreadyRedeemed: false, now })).toBe('coupon_inactive');
    expect(couponRejection({ coupon: coupon({ expiresAt: now }), userId: 'u', alreadyRedeemed: false, now })).toBe('coupon_expired');
    expect(couponRejection({ coupon: coupon({ maxRedemptions: 3, redemptions: 3 }), userId: 'u', alreadyRedeemed: false, now })).toBe('coupon_exhausted');
    expect(couponRejection({ coupon: coupon({ userId: 'v' }), userId: 'u', alreadyRedeemed: false, now })).toBe('coupon_not_yours');
    expect(couponRejection({ coupon: coupon(), userId: 'u', alreadyRedeemed: true, now })).toBe('coupon_already_redeemed');
  });
});

describe('referrals', () => {
  it('refuses self-referral and exhausted codes (AC-CC.3.3)', () => {
    expect(referralRejection({ ownerId: 'a', userId: 'a', uses: 0 })).toBe('referral_self');
    expect(referralRejection({ ownerId: 'a', userId: 'b', uses: 10 })).toBe('referral_exhausted');
    expect(referralRejection({ ownerId: undefined, userId: 'b', uses: 0 })).toBe('referral_not_found');
    expect(referralRejection({ ownerId: 'a', userId: 'b', uses: 9 })).toBeUndefined();
  });
  it('rewards on the first purchase of at least $10 only (AC-CC.3.5)', () => {
    expect(referralRewardDue({ purchaseMicros: 10_000_000n, alreadyRewarded: false, earlierPurchases: 0 })).toBe(true);
    expect(referralRewardDue({ purchaseMicros: 9_999_999n, alreadyRewarded: false, earlierPurchases: 0 })).toBe(false);
    expect(referralRewardDue({ purchaseMicros: 50_000_000n, alreadyRewarded: false, earlierPurchases: 1 })).toBe(false);
    expect(referralRewardDue({ purchaseMicros: 50_000_000n, alreadyRewarded: true, earlierPurchases: 0 })).toBe(false);
  });
});

describe('admin credit caps (AC-CC.11.3)', () => {
  const caps = { perTxCapMicros: 100_000_000n, dailyCapMicros: 500_000_000n };
  it('enforces the per-transaction cap on either sign', () => {
    expect(adminCapError({ ...caps, amountMicros: 100_000_000n, usedLast24hMicros: 0n })).toBeUndefined();
    expect(adminCapError({ ...caps, amountMicros: -100_000_001n, usedLast24hMicros: 0n })?.code).toBe('admin_credit_cap_exceeded');
  });
  it('enforces the 24 h cap per admin', () => {
    expect(adminCapError({ ...caps, amountMicros: 50_000_000n, usedLast24hMicros: 450_000_000n })).toBeUndefined();
    expect(adminCapError({ ...caps, amountMicros: 50_000_001n, usedLast24hMicros: 450_000_000n })?.status).toBe(429);
  });
  it('refuses zero', () => {
    expect(adminCapError({ ...caps, amountMicros: 0n, usedLast24hMicros: 0n })?.status).toBe(400);
  });
});

describe('units', () => {
  it('1 credit = $0.01, exactly', () => {
    expect(microsToCredits(10_000n)).toBe('1');
    expect(microsToCredits(49_912_345n)).toBe('4991.2345');
    expect(microsToCredits(-15_000n)).toBe('-1.5');
    expect(microsToCents(10_000_000n)).toBe(1_000);
    expect(() => microsToCents(1n)).toThrow();
  });
});
