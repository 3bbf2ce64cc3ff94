import type { MessageInitShape } from '@bufbuild/protobuf';
import {
  availableMicros,
  dailyCapInForce,
  spentToday,
  trialStatus,
  utcDay,
  type AccountTerms,
  type PlanSource,
} from '@gatewayz/billing-ledger';
import type { Prisma, PrismaClient } from '@gatewayz/db';
import type { PlanSlug } from '@gatewayz/plans';
import type { AccountSchema } from '@gatewayz/proto';

export type Tx = Prisma.TransactionClient;
export type Db = PrismaClient | Tx;

/** billing_accounts as the ledger code reads it (locked with SELECT ... FOR UPDATE). */
export interface AccountRow extends AccountTerms {
  userId: string;
  purchasedMicros: bigint;
  reservedMicros: bigint;
  dayStart: string;
  daySpentMicros: bigint;
  lowThresholdMicros: bigint;
  stripeCustomerId: string | null;
  stripeSubscriptionId: string | null;
  subscriptionStatus: string | null;
  cancelAtPeriodEnd: boolean;
  registeredAt: Date | null;
}

/** A billing_accounts row as SQL returns it (snake_case). */
export interface RawAccount {
  user_id: string;
  plan: string;
  plan_source: string;
  allowance_micros: bigint;
  allowance_expires_at: Date | null;
  period_start: Date | null;
  purchased_micros: bigint;
  reserved_micros: bigint;
  /** Date through Prisma, "YYYY-MM-DD" through the ledger's pg pool. */
  day_start: Date | string;
  day_spent_micros: bigint;
  daily_cap_micros: bigint | null;
  trial_started_at: Date | null;
  trial_ends_at: Date | null;
  trial_daily_cap_micros: bigint | null;
  partner_code: string | null;
  low_threshold_micros: bigint;
  stripe_customer_id: string | null;
  stripe_subscription_id: string | null;
  subscription_status: string | null;
  cancel_at_period_end: boolean;
  registered_at: Date | null;
}

export function fromRaw(r: RawAccount): AccountRow {
  return {
    userId: r.user_id,
    plan: r.plan as PlanSlug,
    planSource: r.plan_source as PlanSource,
    allowanceMicros: r.allowance_micros,
    allowanceExpiresAt: r.allowance_expires_at,
    periodStart: r.period_start,
    purchasedMicros: r.purchased_micros,
    reservedMicros: r.reserved_micros,
    dayStart: typeof r.day_start === 'string' ? r.day_start : utcDay(r.day_start),
    daySpentMicros: r.day_spent_micros,
    dailyCapMicros: r.daily_cap_micros,
    trialStartedAt: r.trial_started_at,
    trialEndsAt: r.trial_ends_at,
    trialDailyCapMicros: r.trial_daily_cap_micros,
    partnerCode: r.partner_code,
    lowThresholdMicros: r.low_threshold_micros,
    stripeCustomerId: r.stripe_customer_id,
    stripeSubscriptionId: r.stripe_subscription_id,
    subscriptionStatus: r.subscription_status,
    cancelAtPeriodEnd: r.cancel_at_period_end,
    registeredAt: r.registered_at,
  };
}

/** Locks the accounts (in user id order, so concurrent lockers never deadlock) and reads them. */
export async function lockAccounts(tx: Tx, userIds: string[]): Promise<Map<string, AccountRow>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx.$queryRaw<RawAccount[]>`
    SELECT * FROM billing_accounts WHERE user_id = ANY(${userIds}::uuid[]) ORDER BY user_id FOR UPDATE`;
  return new Map(rows.map((r) => [r.user_id, fromRaw(r)]));
}

export async function lockAccount(tx: Tx, userId: string): Promise<AccountRow | undefined> {
  return (await lockAccounts(tx, [userId])).get(userId);
}

export async function readAccount(db: Db, userId: string): Promise<AccountRow | undefined> {
  const rows = await db.$queryRaw<RawAccount[]>`SELECT * FROM billing_accounts WHERE user_id = ${userId}::uuid`;
  return rows[0] ? fromRaw(rows[0]) : undefined;
}

export function balanceOf(a: Pick<AccountRow, 'allowanceMicros' | 'purchasedMicros'>): bigint {
  return a.allowanceMicros + a.purchasedMicros;
}

const ms = (d: Date | null) => BigInt(d ? d.getTime() : 0);

export function accountMessage(a: AccountRow, now: Date, trialCreditMicros: bigint): MessageInitShape<typeof AccountSchema> {
  const trial = trialStatus(a, now);
  const cap = dailyCapInForce(a, now);
  const available = availableMicros(a, now);
  return {
    userId: a.userId,
    plan: a.plan,
    planSource: a.planSource,
    allowanceMicros: a.allowanceExpiresAt && a.allowanceExpiresAt <= now ? 0n : a.allowanceMicros,
    allowanceExpiresAtMs: ms(a.allowanceExpiresAt),
    purchasedMicros: a.purchasedMicros,
    reservedMicros: a.reservedMicros,
    availableMicros: available > 0n ? available : 0n,
    trial: {
      state: trial.state,
      startedAtMs: ms(trial.startedAt),
      endsAtMs: ms(trial.endsAt),
      daysRemaining: trial.daysRemaining,
      creditMicros: trialCreditMicros,
      dailyCapMicros: a.trialDailyCapMicros ?? -1n,
      partnerCode: a.partnerCode ?? '',
    },
    dailyCapMicros: cap ?? -1n,
    spentTodayMicros: spentToday(a, now),
    subscriptionStatus: a.subscriptionStatus ?? '',
    cancelAtPeriodEnd: a.cancelAtPeriodEnd,
    lowThresholdMicros: a.lowThresholdMicros,
  };
}
