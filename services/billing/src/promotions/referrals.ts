import { randomBytes } from 'node:crypto';
import {
  REFERRAL_BONUS_MICROS,
  REFERRAL_MAX_USES,
  purchasedEntry,
  referralRejection,
  referralRewardDue,
  type ReferralRejection,
} from '@gatewayz/billing-ledger';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import { lockAccount, type AccountRow, type Tx } from '../ledger/account-row';
import type { AccountsStore } from '../ledger/accounts';
import { applyEntries } from '../ledger/ledger-writer';

const ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';

function newCode(): string {
  const bytes = randomBytes(8);
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/**
 * Referrals: a user's code, attached to a new user at registration (self-referral refused, at
 * most 10 referees per code); both sides get $10 of credit on the referee's first purchase of
 * at least $10, once (ledger keys referral:<referee>:referee|referrer).
 */
export class ReferralsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: AccountsStore,
    private readonly logger: Logger,
  ) {}

  async generate(userId: string): Promise<{ code: string; uses: number }> {
    await this.accounts.ensure(userId);
    for (let attempt = 0; attempt < 5; attempt++) {
      const existing = await this.prisma.referralCode.findUnique({ where: { userId } });
      if (existing) return existing;
      try {
        return await this.prisma.referralCode.create({ data: { userId, code: newCode() } });
      } catch (err) {
        if ((err as { code?: string }).code !== 'P2002') throw err;
      }
    }
    throw new Error('could not allocate a referral code');
  }

  async validate(userId: string | undefined, rawCode: string): Promise<{ rejection?: ReferralRejection; usesLeft: number }> {
    const row = await this.prisma.referralCode.findUnique({ where: { code: rawCode.trim().toUpperCase() } });
    const rejection = referralRejection({ ownerId: row?.userId, userId, uses: row?.uses ?? 0 });
    return { rejection, usesLeft: row ? Math.max(0, REFERRAL_MAX_USES - row.uses) : 0 };
  }

  /** At registration, inside the account-opening transaction. Invalid codes are ignored (logged). */
  async attach(tx: Tx, input: { refereeId: string; code: string }): Promise<boolean> {
    const code = input.code.trim().toUpperCase();
    const rows = await tx.$queryRaw<{ user_id: string; uses: number }[]>`SELECT user_id, uses FROM referral_codes WHERE code = ${code} FOR UPDATE`;
    const rejection = referralRejection({ ownerId: rows[0]?.user_id, userId: input.refereeId, uses: rows[0]?.uses ?? 0 });
    if (rejection) {
      this.logger.info('referral code not applied', { user_id: input.refereeId, reason: rejection });
      return false;
    }
    const inserted = await tx.$executeRaw`
      INSERT INTO referrals (referee_id, referrer_id, code) VALUES (${input.refereeId}::uuid, ${rows[0]!.user_id}::uuid, ${code})
      ON CONFLICT (referee_id) DO NOTHING`;
    if (inserted === 0) return false;
    await tx.$executeRaw`UPDATE referral_codes SET uses = uses + 1 WHERE code = ${code}`;
    return true;
  }

  /**
   * Inside the transaction that credits a purchase (the referee's account is locked): rewards
   * both sides when this is the referee's first qualifying purchase.
   */
  async rewardOnPurchase(tx: Tx, input: { referee: AccountRow; purchaseMicros: bigint; paymentId: string }): Promise<AccountRow> {
    const referral = await tx.referral.findUnique({ where: { refereeId: input.referee.userId } });
    if (!referral) return input.referee;
    const earlier = await tx.payment.count({ where: { userId: input.referee.userId, status: { in: ['paid', 'refunded', 'partially_refunded'] }, kind: 'credits', NOT: { id: input.paymentId } } });
    if (!referralRewardDue({ purchaseMicros: input.purchaseMicros, alreadyRewarded: referral.status === 'rewarded', earlierPurchases: earlier })) return input.referee;
    const referee = await applyEntries(tx, {
      account: input.referee,
      entries: [purchasedEntry('referral', `referral:${referral.refereeId}:referee`, REFERRAL_BONUS_MICROS)],
      meta: { reason: 'referral bonus (referee)' },
    });
    const referrer = await lockAccount(tx, referral.referrerId);
    if (referrer) {
      await applyEntries(tx, {
        account: referrer,
        entries: [purchasedEntry('referral', `referral:${referral.refereeId}:referrer`, REFERRAL_BONUS_MICROS)],
        meta: { reason: `referral bonus for ${referral.refereeId}` },
      });
    }
    await tx.referral.update({ where: { refereeId: referral.refereeId }, data: { status: 'rewarded', rewardedAt: new Date() } });
    return referee;
  }

  async stats(userId: string) {
    const [code, referrals, rewards, referredBy] = await Promise.all([
      this.prisma.referralCode.findUnique({ where: { userId } }),
      this.prisma.referral.findMany({ where: { referrerId: userId }, orderBy: { createdAt: 'desc' }, take: 100 }),
      this.prisma.creditTransaction.aggregate({ where: { userId, kind: 'referral', requestId: { endsWith: ':referrer' } }, _sum: { amountMicros: true } }),
      this.prisma.referral.findUnique({ where: { refereeId: userId } }),
    ]);
    const total = await this.prisma.referral.count({ where: { referrerId: userId } });
    const conversions = await this.prisma.referral.count({ where: { referrerId: userId, status: 'rewarded' } });
    return {
      code: code?.code ?? '',
      totalReferred: total,
      conversions,
      rewardsMicros: rewards._sum.amountMicros ?? 0n,
      usesLeft: code ? Math.max(0, REFERRAL_MAX_USES - code.uses) : REFERRAL_MAX_USES,
      referrals,
      referredBy: referredBy?.referrerId ?? '',
    };
  }
}
