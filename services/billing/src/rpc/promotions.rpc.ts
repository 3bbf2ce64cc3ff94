import type { MessageInitShape } from '@bufbuild/protobuf';
import { REFERRAL_MAX_USES, REFERRAL_MESSAGES, couponError } from '@gatewayz/billing-ledger';
import type { CouponModel as Coupon } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import type { BillingService, CouponSchema } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import { accountMessage } from '../ledger/account-row';
import { ms, page, userIdOf, type BillingCore } from './core';

type Impl = ServiceImpl<typeof BillingService>;

function couponMessage(c: Coupon): MessageInitShape<typeof CouponSchema> {
  return {
    code: c.code,
    amountMicros: c.amountMicros,
    expiresAtMs: ms(c.expiresAt),
    maxRedemptions: c.maxRedemptions ?? 0,
    redemptions: c.redemptions,
    userId: c.userId ?? '',
    active: c.active,
    description: c.description,
    createdAtMs: ms(c.createdAt),
  };
}

export function promotionsRpc(
  core: BillingCore,
): Pick<
  Impl,
  'createCoupon' | 'validateCoupon' | 'redeemCoupon' | 'listAvailableCoupons' | 'listCouponRedemptions' | 'generateReferralCode' | 'validateReferralCode' | 'getReferralStats'
> {
  return {
    async createCoupon(req) {
      const c = req.coupon;
      if (!c) throw errors.invalidRequest('coupon is required.', 'coupon');
      const created = await core.coupons.create({
        code: c.code,
        amountMicros: c.amountMicros,
        expiresAt: c.expiresAtMs > 0n ? new Date(Number(c.expiresAtMs)) : null,
        maxRedemptions: c.maxRedemptions > 0 ? c.maxRedemptions : null,
        userId: c.userId ? userIdOf(c.userId) : null,
        description: c.description,
        actorId: req.actorId,
      });
      return { coupon: couponMessage(created) };
    },
    async validateCoupon(req) {
      const { coupon, rejection } = await core.coupons.validate(userIdOf(req.userId), req.code);
      return {
        valid: !rejection,
        reason: rejection ?? '',
        message: rejection ? couponError(rejection).message : 'This coupon can be redeemed.',
        coupon: coupon && rejection !== 'coupon_not_yours' ? couponMessage(coupon) : undefined,
      };
    },
    async redeemCoupon(req) {
      const r = await core.coupons.redeem(userIdOf(req.userId), req.code);
      return {
        redemption: { code: r.coupon.code, amountMicros: r.coupon.amountMicros, redeemedAtMs: ms(r.redeemedAt), description: r.coupon.description },
        account: accountMessage(r.account, new Date(), core.plans.trial.creditMicros),
      };
    },
    async listAvailableCoupons(req) {
      return { coupons: (await core.coupons.available(userIdOf(req.userId))).map(couponMessage) };
    },
    async listCouponRedemptions(req) {
      const { rows, total } = await core.coupons.history(userIdOf(req.userId), page(req, { fallback: 50, max: 200 }));
      return {
        redemptions: rows.map((r) => ({ code: r.coupon.code, amountMicros: r.amountMicros, redeemedAtMs: ms(r.createdAt), description: r.coupon.description })),
        total: BigInt(total),
      };
    },
    async generateReferralCode(req) {
      const r = await core.referrals.generate(userIdOf(req.userId));
      return { code: r.code, uses: r.uses, maxUses: REFERRAL_MAX_USES };
    },
    async validateReferralCode(req) {
      const r = await core.referrals.validate(req.userId ? userIdOf(req.userId) : undefined, req.code);
      return { valid: !r.rejection, reason: r.rejection ?? '', message: r.rejection ? REFERRAL_MESSAGES[r.rejection] : 'This referral code is valid.', usesLeft: r.usesLeft };
    },
    async getReferralStats(req) {
      const s = await core.referrals.stats(userIdOf(req.userId));
      return {
        code: s.code,
        totalReferred: s.totalReferred,
        conversions: s.conversions,
        rewardsMicros: s.rewardsMicros,
        usesLeft: s.usesLeft,
        referredBy: s.referredBy,
        referrals: s.referrals.map((r) => ({ userId: r.refereeId, status: r.status, joinedAtMs: ms(r.createdAt), rewardedAtMs: ms(r.rewardedAt) })),
      };
    },
  };
}
