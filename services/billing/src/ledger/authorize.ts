import {
  authorizeDecision,
  pricingGuard,
  refusalError,
  reservationMicros,
  type BillingLinks,
  type RoutePrice,
} from '@gatewayz/billing-ledger';
import { errors } from '@gatewayz/errors';
import { AuthorizeOutcome, type AuthorizeRequest } from '@gatewayz/proto';
import { fromRaw, type RawAccount } from './account-row';
import type { PgPool } from './pg';
import type { AccountsStore } from './accounts';

export interface AuthorizeResult {
  outcome: AuthorizeOutcome;
  reservedMicros: bigint;
  availableMicros: bigint;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * $1 user, $2 request id, $3 key id, $4 model, $5 amount (µ$), $6 reservation TTL (ms).
 * The account row is locked (FOR UPDATE) for the statement; the reservation is inserted only
 * if the balance and the daily cap allow it and the request id is new; the account's reserved
 * total grows only if the reservation was inserted.
 */
const AUTHORIZE_SQL = `
  WITH acct AS MATERIALIZED (
    SELECT user_id, allowance_micros, allowance_expires_at, purchased_micros, reserved_micros,
           day_start, day_spent_micros, daily_cap_micros, trial_ends_at, trial_daily_cap_micros
    FROM billing_accounts WHERE user_id = $1::uuid FOR UPDATE
  ),
  calc AS (
    SELECT user_id,
      (CASE WHEN allowance_expires_at IS NULL OR allowance_expires_at > now() THEN allowance_micros ELSE 0 END)
        + purchased_micros - reserved_micros AS available,
      (CASE WHEN day_start = (now() AT TIME ZONE 'UTC')::date THEN day_spent_micros ELSE 0 END) + reserved_micros AS committed_today,
      (CASE WHEN trial_ends_at > now() THEN trial_daily_cap_micros ELSE daily_cap_micros END) AS cap
    FROM acct
  ),
  ins AS (
    INSERT INTO billing_reservations (request_id, user_id, api_key_id, model, amount_micros, status, expires_at)
    SELECT $2, user_id, $3, $4, $5::bigint, 'held', now() + $6::int * interval '1 millisecond'
    FROM calc
    WHERE available >= $5::bigint AND (cap IS NULL OR committed_today + $5::bigint <= cap)
    ON CONFLICT (request_id) DO NOTHING
    RETURNING user_id
  ),
  upd AS (
    UPDATE billing_accounts a SET reserved_micros = a.reserved_micros + $5::bigint
    FROM ins WHERE a.user_id = ins.user_id
    RETURNING a.user_id
  )
  SELECT c.available, EXISTS (SELECT 1 FROM upd) AS reserved FROM calc c`;

/**
 * Authorize, the hot path. One SQL statement (AUTHORIZE_SQL, prepared) reserves the maximum
 * cost under the account's row lock, only if the balance and the daily cap allow it, and only
 * if the request id has no reservation yet (ON CONFLICT DO NOTHING): no check-then-act race,
 * one round trip. A refusal or a duplicate costs one more read, to say which.
 */
export class AuthorizeStore {
  constructor(
    private readonly pool: PgPool,
    private readonly accounts: AccountsStore,
    private readonly options: { reservationTtlMs: number; links: BillingLinks },
  ) {}

  async authorize(req: AuthorizeRequest): Promise<AuthorizeResult> {
    if (!req.requestId || req.requestId.length > 200) throw errors.invalidRequest('request_id is required (at most 200 characters).', 'request_id');
    if (!UUID.test(req.userId)) throw errors.invalidRequest('user_id must be a UUID.', 'user_id');
    const routes = req.routes.map((r) => ({ provider: r.provider, price: r.price as RoutePrice | undefined }));
    const guard = pricingGuard({ model: req.model, routes });
    if (guard) throw guard;
    const amount = reservationMicros(routes, { promptTokens: req.promptTokens, maxOutputTokens: req.maxOutputTokens, images: req.images });

    let result = await this.reserve(req, amount);
    if (result === undefined) {
      await this.accounts.ensure(req.userId);
      result = await this.reserve(req, amount);
      if (result === undefined) throw errors.internal(new Error(`account ${req.userId} missing after opening`));
    }
    if (result.reserved) {
      return { outcome: AuthorizeOutcome.RESERVED, reservedMicros: amount, availableMicros: result.available - amount };
    }
    return this.explain(req, amount);
  }

  private async reserve(req: AuthorizeRequest, amount: bigint): Promise<{ available: bigint; reserved: boolean } | undefined> {
    const rows = await this.pool.query<{ available: bigint; reserved: boolean }>({
      name: 'billing_authorize',
      text: AUTHORIZE_SQL,
      values: [req.userId, req.requestId, req.keyId || null, req.model, amount.toString(), this.options.reservationTtlMs],
    });
    return rows.rows[0];
  }

  /** After a refusal: a duplicate request id, or which limit said no (for the 402). */
  private async explain(req: AuthorizeRequest, amount: bigint): Promise<AuthorizeResult> {
    const existing = await this.pool.query({ name: 'billing_reservation_exists', text: 'SELECT 1 FROM billing_reservations WHERE request_id = $1', values: [req.requestId] });
    if (existing.rowCount) return { outcome: AuthorizeOutcome.DUPLICATE, reservedMicros: 0n, availableMicros: 0n };
    const rows = await this.pool.query<RawAccount>({ name: 'billing_account_read', text: 'SELECT * FROM billing_accounts WHERE user_id = $1::uuid', values: [req.userId] });
    if (!rows.rows[0]) throw errors.internal(new Error(`account ${req.userId} missing`));
    const account = fromRaw(rows.rows[0]);
    const now = new Date();
    const decision = authorizeDecision(account, amount, now);
    // Between the statement and this read, a settlement may have freed funds: still a refusal
    // for this attempt (the client may retry), reported as insufficient credits.
    const refusal = decision.ok ? 'insufficient_credits' : decision.refusal;
    throw refusalError({ refusal, state: account, amount, now, links: this.options.links });
  }
}
