import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { Coupon } from '@gatewayz/proto';
import { requireRole } from '../auth/require-role.middleware';
import type { AuditRecorder } from './audit';
import { accountJson, caller, credits, dateParam, dollarAmount, iso, pageQuery, parse, usd, type BillingClient } from './http';

function couponJson(c: Coupon) {
  return {
    code: c.code,
    amount: usd(c.amountMicros),
    credits: credits(c.amountMicros),
    description: c.description || null,
    expires_at: iso(c.expiresAtMs),
    max_redemptions: c.maxRedemptions || null,
    redemptions: c.redemptions,
    user_specific: c.userId !== '',
    active: c.active,
  };
}

const codeBody = z.object({ code: z.string().trim().min(1).max(64) }).strict();

/** Coupons (admin create; validate, redeem, available, history) and referrals. */
export function promotionRoutes(deps: { billing: BillingClient; authenticate: RequestHandler; body: RequestHandler; audit: AuditRecorder }): Router {
  const { billing, authenticate, body } = deps;
  const router = Router();

  router.post('/admin/coupons', authenticate, requireRole('admin'), body, async (req, res) => {
    const b = parse(
      z
        .object({
          code: z.string().trim().min(3).max(40),
          amount: dollarAmount({ signed: false }),
          description: z.string().trim().max(500).default(''),
          expires_at: dateParam.optional(),
          max_redemptions: z.number().int().min(1).max(10_000_000).optional(),
          user_id: z.uuid().optional(),
        })
        .strict(),
      req.body,
    );
    const actorId = caller(req).userId;
    const r = await billing.createCoupon(
      {
        coupon: { code: b.code, amountMicros: b.amount, description: b.description, expiresAtMs: b.expires_at ?? 0n, maxRedemptions: b.max_redemptions ?? 0, userId: b.user_id ?? '', active: true },
        actorId,
      },
      { requestId: req.id },
    );
    await deps.audit.record({ action: 'billing.coupon.create', actorId, targetUserId: b.user_id, requestId: req.id, details: { code: r.coupon!.code, amount: usd(b.amount) } });
    res.status(201).json(couponJson(r.coupon!));
  });

  router.post('/coupons/validate', authenticate, body, async (req, res) => {
    const b = parse(codeBody, req.body);
    const r = await billing.validateCoupon({ userId: caller(req).userId, code: b.code }, { requestId: req.id });
    res.json({ valid: r.valid, reason: r.reason || null, message: r.message, coupon: r.coupon ? couponJson(r.coupon) : null });
  });

  router.post('/coupons/redeem', authenticate, body, async (req, res) => {
    const b = parse(codeBody, req.body);
    const r = await billing.redeemCoupon({ userId: caller(req).userId, code: b.code }, { requestId: req.id });
    const red = r.redemption!;
    res.json({ redeemed: true, code: red.code, amount: usd(red.amountMicros), credits: credits(red.amountMicros), redeemed_at: iso(red.redeemedAtMs), account: accountJson(r.account!) });
  });

  router.get('/coupons/available', authenticate, async (req, res) => {
    const r = await billing.listAvailableCoupons({ userId: caller(req).userId }, { requestId: req.id });
    res.json({ coupons: r.coupons.map(couponJson) });
  });

  router.get('/coupons/history', authenticate, async (req, res) => {
    const q = parse(pageQuery(200, 50), req.query);
    const r = await billing.listCouponRedemptions({ userId: caller(req).userId, limit: q.limit, offset: q.offset }, { requestId: req.id });
    res.json({
      redemptions: r.redemptions.map((x) => ({ code: x.code, amount: usd(x.amountMicros), credits: credits(x.amountMicros), description: x.description || null, redeemed_at: iso(x.redeemedAtMs) })),
      total: Number(r.total),
      limit: q.limit,
      offset: q.offset,
    });
  });

  router.post('/referral/generate', authenticate, async (req, res) => {
    const r = await billing.generateReferralCode({ userId: caller(req).userId }, { requestId: req.id });
    res.json({ code: r.code, uses: r.uses, max_uses: r.maxUses, uses_left: r.maxUses - r.uses });
  });

  router.post('/referral/validate', authenticate, body, async (req, res) => {
    const b = parse(codeBody, req.body);
    const r = await billing.validateReferralCode({ userId: caller(req).userId, code: b.code }, { requestId: req.id });
    res.json({ valid: r.valid, reason: r.reason || null, message: r.message, uses_left: r.usesLeft });
  });

  router.get('/referral/stats', authenticate, async (req, res) => {
    const r = await billing.getReferralStats({ userId: caller(req).userId }, { requestId: req.id });
    res.json({
      referral_code: r.code || null,
      total_referred: r.totalReferred,
      conversions: r.conversions,
      rewards_earned: usd(r.rewardsMicros),
      uses_left: r.usesLeft,
      referred_by: r.referredBy || null,
      referrals: r.referrals.map((x) => ({ user_id: x.userId, status: x.status, joined_at: iso(x.joinedAtMs), rewarded_at: iso(x.rewardedAtMs) })),
    });
  });
  return router;
}
