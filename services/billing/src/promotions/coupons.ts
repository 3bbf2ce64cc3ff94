import { couponError, couponRejection, purchasedEntry, type CouponState } from '@gatewayz/billing-ledger';
import type { CouponModel as Coupon, PrismaClient } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import type { AccountsStore } from '../ledger/accounts';
import { applyEntries } from '../ledger/ledger-writer';
import type { AccountRow } from '../ledger/account-row';

const CODE = /^[A-Z0-9][A-Z0-9_-]{2,39}$/;

export function normalizeCode(code: string): string {
  return code.trim().toUpperCase();
}

function state(c: Coupon): CouponState {
  return { amountMicros: c.amountMicros, expiresAt: c.expiresAt, maxRedemptions: c.maxRedemptions, redemptions: c.redemptions, userId: c.userId, active: c.active };
}

/**
 * Coupons: admin-created credit grants. Redemption locks the account, then the coupon row, so
 * concurrent redemptions of one coupon are serialized (max redemptions holds) and one user
 * cannot redeem twice (UNIQUE(coupon_id, user_id) as well). Credits land in the purchased
 * balance (they never expire).
 */
export class CouponsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: AccountsStore,
  ) {}

  async create(input: { code: string; amountMicros: bigint; expiresAt: Date | null; maxRedemptions: number | null; userId: string | null; description: string; actorId: string }): Promise<Coupon> {
    const code = normalizeCode(input.code);
    if (!CODE.test(code)) throw errors.invalidRequest('code must be 3-40 letters, digits, "-" or "_".', 'code');
    if (input.amountMicros <= 0n) throw errors.invalidRequest('amount must be positive.', 'amount');
    if (input.expiresAt !== null && input.expiresAt.getTime() <= Date.now()) throw errors.invalidRequest('expires_at must be in the future.', 'expires_at');
    try {
      return await this.prisma.coupon.create({
        data: { code, amountMicros: input.amountMicros, expiresAt: input.expiresAt, maxRedemptions: input.maxRedemptions, userId: input.userId, description: input.description, createdBy: input.actorId },
      });
    } catch (err) {
      if ((err as { code?: string }).code === 'P2002') throw new GatewayError({ code: 'coupon_exists', message: `A coupon with code ${code} already exists.`, status: 409, param: 'code' });
      throw err;
    }
  }

  async validate(userId: string, rawCode: string): Promise<{ coupon?: Coupon; rejection?: ReturnType<typeof couponRejection> }> {
    const coupon = await this.prisma.coupon.findUnique({ where: { code: normalizeCode(rawCode) } });
    const alreadyRedeemed = coupon ? (await this.prisma.couponRedemption.count({ where: { couponId: coupon.id, userId } })) > 0 : false;
    const rejection = couponRejection({ coupon: coupon ? state(coupon) : undefined, userId, alreadyRedeemed, now: new Date() });
    return { coupon: coupon ?? undefined, rejection };
  }

  async redeem(userId: string, rawCode: string): Promise<{ coupon: Coupon; account: AccountRow; redeemedAt: Date }> {
    const code = normalizeCode(rawCode);
    return this.accounts.withLocked(userId, async (tx, account) => {
      const rows = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM coupons WHERE code = ${code} FOR UPDATE`;
      const coupon = rows[0] ? await tx.coupon.findUnique({ where: { id: rows[0].id } }) : null;
      const alreadyRedeemed = coupon ? (await tx.couponRedemption.count({ where: { couponId: coupon.id, userId } })) > 0 : false;
      const rejection = couponRejection({ coupon: coupon ? state(coupon) : undefined, userId, alreadyRedeemed, now: new Date() });
      if (rejection) throw couponError(rejection);
      const redemption = await tx.couponRedemption.create({ data: { couponId: coupon!.id, userId, amountMicros: coupon!.amountMicros } });
      await tx.coupon.update({ where: { id: coupon!.id }, data: { redemptions: { increment: 1 } } });
      const after = await applyEntries(tx, {
        account,
        entries: [purchasedEntry('coupon', `coupon:${coupon!.id}:${userId}`, coupon!.amountMicros)],
        meta: { reason: `coupon ${coupon!.code}` },
      });
      return { coupon: coupon!, account: after, redeemedAt: redemption.createdAt };
    });
  }

  /** Active, unexpired, not exhausted, global or meant for this user, and not yet redeemed by them. */
  async available(userId: string): Promise<Coupon[]> {
    return this.prisma.$queryRaw<Coupon[]>`
      SELECT id, code, amount_micros AS "amountMicros", expires_at AS "expiresAt", max_redemptions AS "maxRedemptions",
             redemptions, user_id AS "userId", active, description, created_by AS "createdBy", created_at AS "createdAt"
      FROM coupons c
      WHERE c.active AND (c.expires_at IS NULL OR c.expires_at > now())
        AND (c.max_redemptions IS NULL OR c.redemptions < c.max_redemptions)
        AND (c.user_id IS NULL OR c.user_id = ${userId}::uuid)
        AND NOT EXISTS (SELECT 1 FROM coupon_redemptions r WHERE r.coupon_id = c.id AND r.user_id = ${userId}::uuid)
      ORDER BY c.created_at DESC LIMIT 200`;
  }

  async history(userId: string, page: { limit: number; offset: number }) {
    const [rows, total] = await Promise.all([
      this.prisma.couponRedemption.findMany({ where: { userId }, include: { coupon: true }, orderBy: { createdAt: 'desc' }, take: page.limit, skip: page.offset }),
      this.prisma.couponRedemption.count({ where: { userId } }),
    ]);
    return { rows, total };
  }
}
