import { effectiveAllowance } from './account-rules';
import { utcDay } from './calendar';

/**
 * Settling one usage.recorded event against an account, as a pure function: the caller holds
 * the account's row lock and writes what this returns in one transaction.
 *
 * - SUCCESS: debit the actual cost, allowance first, then purchased credits; never below zero
 *   (a cost above the balance, which a correct reservation makes impossible, is recorded as
 *   uncollected rather than driving the balance negative).
 * - FAILED (provider 5xx, timeout, cut or empty stream, upstream 4xx): nothing is charged.
 * - CANCELLED (the client went away): nothing is charged; the edge does not price a cancelled
 *   request, so the gateway absorbs tokens streamed before the disconnect.
 * In every case an open reservation is released exactly once.
 */
export type ReservationStatus = 'held' | 'settled' | 'released' | 'expired';
export type UsageStatus = 'success' | 'failed' | 'cancelled';

export interface SettleAccount {
  allowanceMicros: bigint;
  allowanceExpiresAt: Date | null;
  purchasedMicros: bigint;
  reservedMicros: bigint;
  /** UTC day the spend counter belongs to ("YYYY-MM-DD"). */
  dayStart: string;
  daySpentMicros: bigint;
  lowThresholdMicros: bigint;
}

export interface SettleEvent {
  status: UsageStatus;
  costMicros: bigint;
  occurredAt: Date;
}

export interface SettleResult {
  account: SettleAccount;
  /** New status of the reservation, when there was one to close. */
  reservationStatus: ReservationStatus | undefined;
  fromAllowance: bigint;
  fromPurchased: bigint;
  charged: bigint;
  uncollected: bigint;
  /** Balance (allowance + purchased) crossed below the low threshold / reached zero. */
  low: boolean;
  depleted: boolean;
}

export function spendableMicros(a: Pick<SettleAccount, 'allowanceMicros' | 'allowanceExpiresAt' | 'purchasedMicros'>, now: Date): bigint {
  return effectiveAllowance(a, now) + a.purchasedMicros;
}

export function settle(input: { account: SettleAccount; reservation?: { amountMicros: bigint; status: ReservationStatus }; event: SettleEvent; now: Date }): SettleResult {
  const { account, reservation, event, now } = input;
  let reserved = account.reservedMicros;
  let reservationStatus: ReservationStatus | undefined;
  if (reservation?.status === 'held') {
    reserved -= reservation.amountMicros;
    if (reserved < 0n) reserved = 0n;
    reservationStatus = event.status === 'success' ? 'settled' : 'released';
  }

  const allowance = effectiveAllowance(account, now);
  const cost = event.status === 'success' && event.costMicros > 0n ? event.costMicros : 0n;
  const fromAllowance = cost < allowance ? cost : allowance;
  const rest = cost - fromAllowance;
  const fromPurchased = rest < account.purchasedMicros ? rest : account.purchasedMicros;
  const charged = fromAllowance + fromPurchased;

  const day = utcDay(event.occurredAt);
  let { dayStart, daySpentMicros } = account;
  if (charged > 0n) {
    if (day === dayStart) daySpentMicros += charged;
    else if (day > dayStart) {
      dayStart = day;
      daySpentMicros = charged;
    }
  }

  const next: SettleAccount = {
    ...account,
    allowanceMicros: account.allowanceMicros - fromAllowance,
    purchasedMicros: account.purchasedMicros - fromPurchased,
    reservedMicros: reserved,
    dayStart,
    daySpentMicros,
  };
  const before = spendableMicros(account, now);
  const after = before - charged;
  return {
    account: next,
    reservationStatus,
    fromAllowance,
    fromPurchased,
    charged,
    uncollected: cost - charged,
    low: charged > 0n && before > account.lowThresholdMicros && after <= account.lowThresholdMicros && after > 0n,
    depleted: charged > 0n && before > 0n && after <= 0n,
  };
}
