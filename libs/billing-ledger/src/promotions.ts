import { GatewayError } from '@gatewayz/errors';
import { dollarsToMicros } from './units';

/** Coupons and referrals as rules over plain values. */
export interface CouponState {
  amountMicros: bigint;
  expiresAt: Date | null;
  /** null: unlimited. */
  maxRedemptions: number | null;
  redemptions: number;
  /** A user-specific coupon names its user; null: anyone. */
  userId: string | null;
  active: boolean;
}

export type CouponRejection = 'coupon_not_found' | 'coupon_inactive' | 'coupon_expired' | 'coupon_exhausted' | 'coupon_not_yours' | 'coupon_already_redeemed';

export function couponRejection(input: { coupon: CouponState | undefined; userId: string; alreadyRedeemed: boolean; now: Date }): CouponRejection | undefined {
  const { coupon, now } = input;
  if (!coupon) return 'coupon_not_found';
  if (!coupon.active) return 'coupon_inactive';
  if (coupon.expiresAt !== null && coupon.expiresAt.getTime() <= now.getTime()) return 'coupon_expired';
  if (coupon.userId !== null && coupon.userId !== input.userId) return 'coupon_not_yours';
  if (input.alreadyRedeemed) return 'coupon_already_redeemed';
  if (coupon.maxRedemptions !== null && coupon.redemptions >= coupon.maxRedemptions) return 'coupon_exhausted';
  return undefined;
}

const COUPON_MESSAGES: Record<CouponRejection, { status: number; message: string }> = {
  coupon_not_found: { status: 404, message: 'No such coupon code.' },
  coupon_inactive: { status: 400, message: 'This coupon is no longer active.' },
  coupon_expired: { status: 400, message: 'This coupon has expired.' },
  coupon_exhausted: { status: 400, message: 'This coupon has reached its maximum number of redemptions.' },
  coupon_not_yours: { status: 403, message: 'This coupon is reserved for another account.' },
  coupon_already_redeemed: { status: 400, message: 'You have already redeemed this coupon.' },
};

export function couponError(rejection: CouponRejection): GatewayError {
  const m = COUPON_MESSAGES[rejection];
  return new GatewayError({ code: rejection, message: m.message, status: m.status, param: 'code' });
}

export const REFERRAL_BONUS_MICROS = dollarsToMicros('10.00');
/** The referee's first purchase must be at least this much to reward both sides. */
export const REFERRAL_MIN_PURCHASE_MICROS = dollarsToMicros('10.00');
/** A referral code rewards at most this many referees. */
export const REFERRAL_MAX_USES = 10;

export type ReferralRejection = 'referral_not_found' | 'referral_self' | 'referral_exhausted';

export function referralRejection(input: { ownerId: string | undefined; userId: string | undefined; uses: number }): ReferralRejection | undefined {
  if (input.ownerId === undefined) return 'referral_not_found';
  if (input.userId !== undefined && input.ownerId === input.userId) return 'referral_self';
  if (input.uses >= REFERRAL_MAX_USES) return 'referral_exhausted';
  return undefined;
}

export const REFERRAL_MESSAGES: Record<ReferralRejection, string> = {
  referral_not_found: 'No such referral code.',
  referral_self: 'You cannot use your own referral code.',
  referral_exhausted: `This referral code has been used the maximum number of times (${REFERRAL_MAX_USES}).`,
};

/** Both sides are rewarded on the referee's first purchase of at least $10. */
export function referralRewardDue(input: { purchaseMicros: bigint; alreadyRewarded: boolean; earlierPurchases: number }): boolean {
  return !input.alreadyRewarded && input.earlierPurchases === 0 && input.purchaseMicros >= REFERRAL_MIN_PURCHASE_MICROS;
}

/** Admin credit operations: a cap per transaction and per admin per 24 h (AC-CC.11.3). */
export function adminCapError(input: { amountMicros: bigint; perTxCapMicros: bigint; dailyCapMicros: bigint; usedLast24hMicros: bigint }): GatewayError | undefined {
  const abs = input.amountMicros < 0n ? -input.amountMicros : input.amountMicros;
  if (abs === 0n) return new GatewayError({ code: 'invalid_amount', message: 'The amount must not be zero.', status: 400, param: 'amount' });
  if (abs > input.perTxCapMicros) {
    return new GatewayError({
      code: 'admin_credit_cap_exceeded',
      message: `One admin credit operation may move at most $${input.perTxCapMicros / 1_000_000n}.`,
      status: 400,
      param: 'amount',
    });
  }
  if (input.usedLast24hMicros + abs > input.dailyCapMicros) {
    return new GatewayError({
      code: 'admin_daily_cap_exceeded',
      message: `This operation would take you past your 24-hour admin credit limit of $${input.dailyCapMicros / 1_000_000n}.`,
      status: 429,
      param: 'amount',
    });
  }
  return undefined;
}
