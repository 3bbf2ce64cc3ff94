/**
 * A ledger row as the rules produce it. `key` is the idempotency key stored in
 * credit_transactions.request_id: UNIQUE(request_id, kind) makes every money movement happen at
 * most once, whoever retries it. `amountMicros` is the signed change of the balance
 * (allowance + purchased), so Σ amount over a user's rows = their balance.
 */
export type CreditKind =
  | 'trial'
  | 'purchase'
  | 'api_usage'
  | 'admin_credit'
  | 'refund'
  | 'bonus'
  | 'coupon'
  | 'referral'
  | 'subscription_grant'
  | 'allowance_expiry';

export interface LedgerEntry {
  kind: CreditKind;
  key: string;
  amountMicros: bigint;
  allowanceDeltaMicros: bigint;
  purchasedDeltaMicros: bigint;
}

export function allowanceEntry(kind: CreditKind, key: string, delta: bigint): LedgerEntry {
  return { kind, key, amountMicros: delta, allowanceDeltaMicros: delta, purchasedDeltaMicros: 0n };
}

export function purchasedEntry(kind: CreditKind, key: string, delta: bigint): LedgerEntry {
  return { kind, key, amountMicros: delta, allowanceDeltaMicros: 0n, purchasedDeltaMicros: delta };
}
