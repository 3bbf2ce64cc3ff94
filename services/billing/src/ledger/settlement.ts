import { settle, spendableMicros, type ReservationStatus, type UsageStatus } from '@gatewayz/billing-ledger';
import type { Logger } from '@gatewayz/logger';
import { RequestStatus, type UsageRecorded } from '@gatewayz/proto';
import { balanceOf, fromRaw, type AccountRow, type RawAccount } from './account-row';
import type { AccountsStore } from './accounts';
import { creditsDepletedEvent, creditsLowEvent, type OutboxEvent } from './outbox';
import { pgTransaction, type PgClient, type PgPool } from './pg';

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

/** Column arrays for the bulk inserts (unnest), filled event by event. */
class Columns<K extends string> {
  readonly cols = {} as Record<K, unknown[]>;
  constructor(names: readonly K[]) {
    for (const n of names) this.cols[n] = [];
  }
  push(row: Record<K, unknown>): void {
    for (const k of Object.keys(this.cols) as K[]) this.cols[k].push(typeof row[k] === 'bigint' ? String(row[k]) : row[k]);
  }
}

const USAGE_COLS = [
  'request_id', 'user_id', 'api_key_id', 'model', 'provider', 'native_model', 'status', 'error_code', 'stream', 'input_tokens',
  'cache_read_tokens', 'cache_write_tokens', 'output_tokens', 'reasoning_tokens', 'cost_micros', 'uncollected_micros', 'ttft_ms', 'duration_ms', 'occurred_at',
] as const;
const LEDGER_COLS = [
  'user_id', 'request_id', 'amount_micros', 'allowance_delta_micros', 'purchased_delta_micros', 'balance_after_micros', 'model', 'provider', 'input_tokens', 'output_tokens', 'api_key_id',
] as const;

interface Pending {
  usage: Columns<(typeof USAGE_COLS)[number]>;
  ledger: Columns<(typeof LEDGER_COLS)[number]>;
  closed: { requestId: string; status: ReservationStatus }[];
  outbox: OutboxEvent[];
}

interface ReservationState {
  request_id: string;
  user_id: string | null;
  amount_micros: bigint | null;
  status: ReservationStatus | null;
  done: boolean;
}

/**
 * Settlement of usage.recorded events, many per transaction (plain pg, bulk statements): lock
 * the batch's accounts (in user id order), read their reservations and which requests are
 * already settled, apply the pure rule (libs/billing-ledger settle) event by event, then write
 * usage records, ledger rows, balances, closed reservations and outbox events, and commit.
 * The usage record (PRIMARY KEY request_id) marks a request as settled, so a replayed event is
 * a no-op; the ledger's UNIQUE(request_id, kind) is the second guard.
 */
export class SettlementStore {
  constructor(
    private readonly pool: PgPool,
    private readonly accounts: AccountsStore,
    private readonly logger: Logger,
  ) {}

  async settleBatch(input: UsageRecorded[]): Promise<SettleSummary> {
    const events = this.admissible(input);
    const summary: SettleSummary = { settled: 0, duplicates: 0, skipped: input.length - events.length, events: 0 };
    if (events.length === 0) return summary;
    const ready = await this.ensureAccounts([...new Set(events.map((e) => e.userId))].sort());
    const billable = events.filter((e) => ready.has(e.userId));
    summary.skipped += events.length - billable.length;
    if (billable.length === 0) return summary;

    await pgTransaction(this.pool, async (c) => {
      const locked = await c.query<RawAccount>({
        name: 'settle_lock_accounts',
        text: 'SELECT * FROM billing_accounts WHERE user_id = ANY($1::uuid[]) ORDER BY user_id FOR UPDATE',
        values: [[...ready].sort()],
      });
      const accounts = new Map(locked.rows.map((r) => [r.user_id, fromRaw(r)]));
      const state = await c.query<ReservationState>({
        name: 'settle_read_state',
        text: `SELECT q.request_id, r.user_id, r.amount_micros, r.status::text AS status,
                      EXISTS (SELECT 1 FROM usage_records u WHERE u.request_id = q.request_id) AS done
               FROM unnest($1::text[]) AS q(request_id) LEFT JOIN billing_reservations r ON r.request_id = q.request_id`,
        values: [billable.map((e) => e.requestId)],
      });
      const byId = new Map(state.rows.map((r) => [r.request_id, r]));
      const pending: Pending = { usage: new Columns(USAGE_COLS), ledger: new Columns(LEDGER_COLS), closed: [], outbox: [] };
      const touched = new Set<string>();
      const now = new Date();
      for (const e of billable) {
        const s = byId.get(e.requestId);
        if (s?.done) {
          summary.duplicates++;
          continue;
        }
        const reservation = s && s.user_id === e.userId && s.status ? { amountMicros: s.amount_micros!, status: s.status } : undefined;
        accounts.set(e.userId, this.apply({ event: e, account: accounts.get(e.userId)!, reservation, pending, now }));
        touched.add(e.userId);
        byId.set(e.requestId, { request_id: e.requestId, user_id: e.userId, amount_micros: null, status: null, done: true });
        summary.settled++;
      }
      await this.write(c, { pending, accounts: [...touched].map((u) => accounts.get(u)!) });
      summary.events = pending.outbox.length;
    });
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
    const found = await this.pool.query<{ user_id: string }>({ name: 'settle_accounts_exist', text: 'SELECT user_id FROM billing_accounts WHERE user_id = ANY($1::uuid[])', values: [users] });
    const existing = new Set(found.rows.map((r) => r.user_id));
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
    const input = (u?.inputTokens ?? 0) + (u?.cacheReadTokens ?? 0) + (u?.cacheWriteTokens ?? 0);
    pending.usage.push({
      request_id: e.requestId,
      user_id: e.userId,
      api_key_id: e.keyId || null,
      model: e.model,
      provider: e.provider,
      native_model: e.nativeModel,
      status,
      error_code: e.errorCode || null,
      stream: e.stream,
      input_tokens: u?.inputTokens ?? 0,
      cache_read_tokens: u?.cacheReadTokens ?? 0,
      cache_write_tokens: u?.cacheWriteTokens ?? 0,
      output_tokens: u?.outputTokens ?? 0,
      reasoning_tokens: u?.reasoningTokens ?? 0,
      cost_micros: r.charged,
      uncollected_micros: r.uncollected,
      ttft_ms: e.ttftMs,
      duration_ms: e.durationMs,
      occurred_at: occurredAt,
    });
    if (status === 'success') {
      pending.ledger.push({
        user_id: e.userId,
        request_id: e.requestId,
        amount_micros: -r.charged,
        allowance_delta_micros: -r.fromAllowance,
        purchased_delta_micros: -r.fromPurchased,
        balance_after_micros: balanceOf(next),
        model: e.model,
        provider: e.provider,
        input_tokens: input,
        output_tokens: u?.outputTokens ?? 0,
        api_key_id: e.keyId || null,
      });
    }
    if (r.reservationStatus) pending.closed.push({ requestId: e.requestId, status: r.reservationStatus });
    if (r.low) {
      pending.outbox.push(creditsLowEvent({ userId: e.userId, availableMicros: spendableMicros(next, now), thresholdMicros: account.lowThresholdMicros, requestId: e.requestId, at: now }));
    }
    if (r.depleted) pending.outbox.push(creditsDepletedEvent({ userId: e.userId, requestId: e.requestId, at: now }));
    if (r.uncollected > 0n) this.logger.error('usage cost above the balance; uncollected', { request_id: e.requestId, user_id: e.userId, uncollected_micros: String(r.uncollected) });
    return next;
  }

  /**
   * Every write of the batch in one statement (data-modifying CTEs, each on its own table, all
   * run even when their arrays are empty): the accounts stay locked for one round trip of
   * writes, not five, so an Authorize waiting on the same account row waits less.
   */
  private async write(c: PgClient, a: { pending: Pending; accounts: AccountRow[] }): Promise<void> {
    const { usage, ledger, closed, outbox } = a.pending;
    const acct = (f: (x: AccountRow) => bigint | string) => a.accounts.map((x) => String(f(x)));
    await c.query({
      name: 'settle_write',
      text: `WITH usage AS (
               INSERT INTO usage_records (${USAGE_COLS.join(', ')})
               SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::"UsageStatus"[], $8::text[], $9::bool[],
                 $10::int[], $11::int[], $12::int[], $13::int[], $14::int[], $15::bigint[], $16::bigint[], $17::int[], $18::int[], $19::timestamptz[])
             ), ledger AS (
               INSERT INTO credit_transactions (kind, ${LEDGER_COLS.join(', ')})
               SELECT 'api_usage', * FROM unnest($20::uuid[], $21::text[], $22::bigint[], $23::bigint[], $24::bigint[], $25::bigint[], $26::text[], $27::text[], $28::int[], $29::int[], $30::text[])
             ), accounts AS (
               UPDATE billing_accounts a SET allowance_micros = v.allowance, purchased_micros = v.purchased, reserved_micros = v.reserved,
                 day_start = v.day_start, day_spent_micros = v.day_spent, updated_at = now()
               FROM unnest($31::uuid[], $32::bigint[], $33::bigint[], $34::bigint[], $35::date[], $36::bigint[]) AS v(user_id, allowance, purchased, reserved, day_start, day_spent)
               WHERE a.user_id = v.user_id
             ), closed AS (
               UPDATE billing_reservations r SET status = v.status::"ReservationStatus", closed_at = now()
               FROM unnest($37::text[], $38::text[]) AS v(request_id, status) WHERE r.request_id = v.request_id AND r.status = 'held'
             )
             INSERT INTO billing_outbox (subject, msg_id, payload) SELECT * FROM unnest($39::text[], $40::text[], $41::jsonb[]) ON CONFLICT (msg_id) DO NOTHING`,
      values: [
        ...USAGE_COLS.map((k) => usage.cols[k]),
        ...LEDGER_COLS.map((k) => ledger.cols[k]),
        acct((x) => x.userId),
        acct((x) => x.allowanceMicros),
        acct((x) => x.purchasedMicros),
        acct((x) => x.reservedMicros),
        acct((x) => x.dayStart),
        acct((x) => x.daySpentMicros),
        closed.map((x) => x.requestId),
        closed.map((x) => x.status),
        outbox.map((o) => o.subject),
        outbox.map((o) => o.msgId),
        outbox.map((o) => JSON.stringify(o.payload)),
      ],
    });
  }
}
