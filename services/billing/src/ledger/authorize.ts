import {
  authorizeDecision,
  pricingGuard,
  refusalError,
  reservationMicros,
  type AuthorizeState,
  type BillingLinks,
  type RoutePrice,
} from '@gatewayz/billing-ledger';
import { errors } from '@gatewayz/errors';
import { AuthorizeOutcome, type AuthorizeRequest } from '@gatewayz/proto';
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
 * if the balance and the daily cap allow it (a free request, amount 0, always fits) and the
 * request id is new; the account's reserved total grows only if the reservation was inserted.
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
    WHERE $5::bigint = 0 OR (available >= $5::bigint AND (cap IS NULL OR committed_today + $5::bigint <= cap))
    ON CONFLICT (request_id) DO NOTHING
    RETURNING user_id
  ),
  upd AS (
    UPDATE billing_accounts a SET reserved_micros = a.reserved_micros + $5::bigint
    FROM ins WHERE a.user_id = ins.user_id
    RETURNING a.user_id
  )
  SELECT c.available, EXISTS (SELECT 1 FROM upd) AS reserved, a.* FROM calc c JOIN acct a USING (user_id)`;

/**
 * Authorize, the hot path. One SQL statement (AUTHORIZE_SQL, prepared) reserves the maximum
 * cost under the account's row lock, only if the balance and the daily cap allow it, and only
 * if the request id has no reservation yet (ON CONFLICT DO NOTHING): no check-then-act race,
 * one round trip. The statement also returns the locked account, so a refusal is explained
 * without reading it again (one primary-key lookup tells a duplicate id from a refusal).
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
    const amount = reservationMicros(routes, {
      promptTokens: req.promptTokens,
      maxOutputTokens: req.maxOutputTokens,
      images: req.images,
      audioSeconds: req.audioSeconds,
      characters: req.characters,
    });

    let result = await this.reserve(req, amount);
    if (result === undefined) {
      await this.accounts.ensure(req.userId);
      result = await this.reserve(req, amount);
      if (result === undefined) throw errors.internal(new Error(`account ${req.userId} missing after opening`));
    }
    if (result.reserved) {
      return { outcome: AuthorizeOutcome.RESERVED, reservedMicros: amount, availableMicros: result.available - amount };
    }
    return this.explain(req, amount, result);
  }

  private async reserve(req: AuthorizeRequest, amount: bigint): Promise<ReserveRow | undefined> {
    const rows = await this.pool.query<ReserveRow>({
      name: 'billing_authorize',
      text: AUTHORIZE_SQL,
      values: [req.userId, req.requestId, req.keyId || null, req.model, amount.toString(), this.options.reservationTtlMs],
    });
    return rows.rows[0];
  }

  /**
   * After a refusal: a duplicate request id (one primary-key lookup), or which limit said no
   * (for the 402), judged on the account exactly as the statement locked it.
   */
  private async explain(req: AuthorizeRequest, amount: bigint, row: ReserveRow): Promise<AuthorizeResult> {
    const existing = await this.pool.query({ name: 'billing_reservation_exists', text: 'SELECT 1 FROM billing_reservations WHERE request_id = $1', values: [req.requestId] });
    if (existing.rowCount) return { outcome: AuthorizeOutcome.DUPLICATE, reservedMicros: 0n, availableMicros: 0n };
    const now = new Date();
    const state = authorizeStateOf(row);
    const decision = authorizeDecision(state, amount, now);
    // The database's clock decided; should ours disagree at a boundary, say "insufficient".
    throw refusalError({ refusal: decision.ok ? 'insufficient_credits' : decision.refusal, state, amount, now, links: this.options.links });
  }
}

/** The statement's row: the verdict and the account as it was locked. */
interface ReserveRow {
  available: bigint;
  reserved: boolean;
  allowance_micros: bigint;
  allowance_expires_at: Date | null;
  purchased_micros: bigint;
  reserved_micros: bigint;
  day_start: string;
  day_spent_micros: bigint;
  daily_cap_micros: bigint | null;
  trial_ends_at: Date | null;
  trial_daily_cap_micros: bigint | null;
}

function authorizeStateOf(r: ReserveRow): AuthorizeState {
  return {
    allowanceMicros: r.allowance_micros,
    allowanceExpiresAt: r.allowance_expires_at,
    purchasedMicros: r.purchased_micros,
    reservedMicros: r.reserved_micros,
    dayStart: r.day_start,
    daySpentMicros: r.day_spent_micros,
    dailyCapMicros: r.daily_cap_micros,
    trialEndsAt: r.trial_ends_at,
    trialDailyCapMicros: r.trial_daily_cap_micros,
  };
}
