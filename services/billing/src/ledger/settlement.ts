import { settle, spendableMicros, type ReservationStatus, type UsageStatus } from '@gatewayz/billing-ledger';
import type { Prisma, PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import { RequestStatus, type UsageRecorded } from '@gatewayz/proto';
import { balanceOf, lockAccounts, type AccountRow, type Tx } from './account-row';
import type { AccountsStore } from './accounts';
import { creditsDepletedEvent, creditsLowEvent, enqueue, type OutboxEvent } from './outbox';

export interface SettleSummary {
  settled: number;
  duplicates: number;
  skipped: number;
  /** Outbox events written (the relay publishes them). */
  events: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function statusOf(s: RequestStatus): UsageStatus | undefined {
  if (s === RequestStatus.SUCCESS) return 'success';
  if (s === RequestStatus.FAILED) return 'failed';
  if (s === RequestStatus.CANCELLED) return 'cancelled';
  return undefined;
}

interface Pending {
  usage: Prisma.UsageRecordCreateManyInput[];
  ledger: Prisma.CreditTransactionCreateManyInput[];
  closed: Map<ReservationStatus, string[]>;
  outbox: OutboxEvent[];
}

/**
 * Settlement of usage.recorded events, many per transaction: lock the batch's accounts (in
 * user id order), read their reservations and which requests are already settled, apply the
 * pure rule (libs/billing-ledger settle) event by event, then write everything (usage records,
 * ledger rows, balances, closed reservations, outbox events) and commit. The usage record
 * (PRIMARY KEY request_id) marks a request as settled, so a replayed event is a no-op; the
 * ledger's UNIQUE(request_id, kind) is the second guard.
 */
export class SettlementStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: AccountsStore,
    private readonly logger: Logger,
  ) {}

  async settleBatch(input: UsageRecorded[]): Promise<SettleSummary> {
    const events = this.admissible(input);
    const summary: SettleSummary = { settled: 0, duplicates: 0, skipped: input.length - events.length, events: 0 };
    if (events.length === 0) return summary;
    const users = [...new Set(events.map((e) => e.userId))].sort();
    const ready = await this.ensureAccounts(users);
    const billable = events.filter((e) => ready.has(e.userId));
    summary.skipped += events.length - billable.length;

    await this.prisma.$transaction(
      async (tx) => {
        const accounts = await lockAccounts(tx, [...ready]);
        const ids = billable.map((e) => e.requestId);
        const reservations = new Map(
          (await tx.reservation.findMany({ where: { requestId: { in: ids } }, select: { requestId: true, amountMicros: true, status: true, userId: true } })).map((r) => [r.requestId, r]),
        );
        const done = new Set((await tx.usageRecord.findMany({ where: { requestId: { in: ids } }, select: { requestId: true } })).map((r) => r.requestId));
        const pending: Pending = { usage: [], ledger: [], closed: new Map(), outbox: [] };
        const touched = new Set<string>();
        const now = new Date();
        for (const e of billable) {
          if (done.has(e.requestId)) {
            summary.duplicates++;
            continue;
          }
          const reservation = reservations.get(e.requestId);
          const account = accounts.get(e.userId)!;
          const next = this.apply({ event: e, account, reservation: reservation?.userId === e.userId ? reservation : undefined, pending, now });
          accounts.set(e.userId, next);
          touched.add(e.userId);
          done.add(e.requestId);
          summary.settled++;
        }
        await this.write(tx, { pending, accounts, touched });
        summary.events = pending.outbox.length;
      },
      { maxWait: 30_000, timeout: 60_000 },
    );
    return summary;
  }

  private admissible(input: UsageRecorded[]): UsageRecorded[] {
    const seen = new Set<string>();
    return input.filter((e) => {
      // Anonymous requests (free models only) have no account to bill.
      if (!e.userId || !e.requestId || seen.has(e.requestId)) return false;
      if (!UUID.test(e.userId) || statusOf(e.status) === undefined) {
        this.logger.warn('usage event not billable; skipped', { request_id: e.requestId, user_id: e.userId, status: e.status });
        return false;
      }
      seen.add(e.requestId);
      return true;
    });
  }

  /** Accounts are normally open already (Authorize opened them); a deleted user is skipped. */
  private async ensureAccounts(users: string[]): Promise<Set<string>> {
    const existing = new Set((await this.prisma.billingAccount.findMany({ where: { userId: { in: users } }, select: { userId: true } })).map((a) => a.userId));
    for (const u of users) {
      if (existing.has(u)) continue;
      try {
        await this.accounts.ensure(u);
        existing.add(u);
      } catch (err) {
        this.logger.warn('usage for an unknown user; not billed', { user_id: u, err: (err as Error).message });
      }
    }
    return existing;
  }

  private apply(a: { event: UsageRecorded; account: AccountRow; reservation?: { amountMicros: bigint; status: ReservationStatus }; pending: Pending; now: Date }): AccountRow {
    const { event: e, account, pending, now } = a;
    const status = statusOf(e.status)!;
    const occurredAt = e.occurredAtMs > 0n ? new Date(Number(e.occurredAtMs)) : now;
    const r = settle({ account, reservation: a.reservation, event: { status, costMicros: e.costMicros, occurredAt }, now });
    const next: AccountRow = { ...account, ...r.account };
    const u = e.usage;
    pending.usage.push({
      requestId: e.requestId,
      userId: e.userId,
      apiKeyId: e.keyId || null,
      model: e.model,
      provider: e.provider,
      nativeModel: e.nativeModel,
      status,
      errorCode: e.errorCode || null,
      stream: e.stream,
      inputTokens: u?.inputTokens ?? 0,
      cacheReadTokens: u?.cacheReadTokens ?? 0,
      cacheWriteTokens: u?.cacheWriteTokens ?? 0,
      outputTokens: u?.outputTokens ?? 0,
      reasoningTokens: u?.reasoningTokens ?? 0,
      costMicros: r.charged,
      uncollectedMicros: r.uncollected,
      ttftMs: e.ttftMs,
      durationMs: e.durationMs,
      occurredAt,
    });
    if (status === 'success') {
      pending.ledger.push({
        userId: e.userId,
        kind: 'api_usage',
        requestId: e.requestId,
        amountMicros: -r.charged,
        allowanceDeltaMicros: -r.fromAllowance,
        purchasedDeltaMicros: -r.fromPurchased,
        balanceAfterMicros: balanceOf(next),
        model: e.model,
        provider: e.provider,
        inputTokens: (u?.inputTokens ?? 0) + (u?.cacheReadTokens ?? 0) + (u?.cacheWriteTokens ?? 0),
        outputTokens: u?.outputTokens ?? 0,
        apiKeyId: e.keyId || null,
        createdAt: now,
      });
    }
    if (r.reservationStatus) {
      const list = pending.closed.get(r.reservationStatus) ?? [];
      list.push(e.requestId);
      pending.closed.set(r.reservationStatus, list);
    }
    if (r.low) {
      pending.outbox.push(creditsLowEvent({ userId: e.userId, availableMicros: spendableMicros(next, now), thresholdMicros: account.lowThresholdMicros, requestId: e.requestId, at: now }));
    }
    if (r.depleted) pending.outbox.push(creditsDepletedEvent({ userId: e.userId, requestId: e.requestId, at: now }));
    if (r.uncollected > 0n) this.logger.error('usage cost above the balance; uncollected', { request_id: e.requestId, user_id: e.userId, uncollected_micros: String(r.uncollected) });
    return next;
  }

  private async write(tx: Tx, a: { pending: Pending; accounts: Map<string, AccountRow>; touched: Set<string> }): Promise<void> {
    const { pending } = a;
    if (pending.usage.length > 0) await tx.usageRecord.createMany({ data: pending.usage });
    if (pending.ledger.length > 0) await tx.creditTransaction.createMany({ data: pending.ledger });
    for (const userId of a.touched) {
      const acc = a.accounts.get(userId)!;
      await tx.$executeRaw`
        UPDATE billing_accounts SET allowance_micros = ${acc.allowanceMicros}, purchased_micros = ${acc.purchasedMicros},
          reserved_micros = ${acc.reservedMicros}, day_start = ${acc.dayStart}::date, day_spent_micros = ${acc.daySpentMicros}, updated_at = now()
        WHERE user_id = ${userId}::uuid`;
    }
    for (const [status, ids] of pending.closed) {
      await tx.$executeRaw`
        UPDATE billing_reservations SET status = ${status}::"ReservationStatus", closed_at = now()
        WHERE request_id = ANY(${ids}::text[]) AND status = 'held'`;
    }
    await enqueue(tx, pending.outbox);
  }
}
