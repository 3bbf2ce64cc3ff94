import type { LedgerEntry, TermsChange } from '@gatewayz/billing-ledger';
import { errors } from '@gatewayz/errors';
import type { AccountRow, Tx } from './account-row';
import { enqueue, planChangedEvent } from './outbox';

/** Who moved money and why; stored on every ledger row written. */
export interface EntryMeta {
  actorId?: string;
  reason?: string;
  model?: string;
  provider?: string;
  apiKeyId?: string;
}

/** A ledger entry whose idempotency key was used before: the whole operation already happened. */
export class AlreadyApplied extends Error {
  constructor(readonly key: string) {
    super(`already applied: ${key}`);
  }
}

/**
 * Writes ledger rows and moves the balances they describe, under the account's row lock (the
 * caller holds it). All or nothing: an entry whose (request_id, kind) exists aborts the
 * transaction with AlreadyApplied, so a retried operation never moves money twice.
 */
export async function applyEntries(tx: Tx, input: { account: AccountRow; entries: LedgerEntry[]; meta?: EntryMeta }): Promise<AccountRow> {
  let account = input.account;
  for (const e of input.entries) {
    const allowance = account.allowanceMicros + e.allowanceDeltaMicros;
    const purchased = account.purchasedMicros + e.purchasedDeltaMicros;
    if (allowance < 0n || purchased < 0n) throw errors.invalidRequest('This operation would make the balance negative.', 'amount', 'balance_would_be_negative');
    const inserted = await tx.$queryRaw<{ id: bigint }[]>`
      INSERT INTO credit_transactions
        (user_id, kind, request_id, amount_micros, allowance_delta_micros, purchased_delta_micros, balance_after_micros,
         model, provider, api_key_id, actor_id, reason)
      VALUES (${account.userId}::uuid, ${e.kind}::"CreditKind", ${e.key}, ${e.amountMicros}, ${e.allowanceDeltaMicros}, ${e.purchasedDeltaMicros},
              ${allowance + purchased}, ${input.meta?.model ?? null}, ${input.meta?.provider ?? null}, ${input.meta?.apiKeyId ?? null},
              ${input.meta?.actorId ?? null}, ${input.meta?.reason ?? null})
      ON CONFLICT (request_id, kind) DO NOTHING
      RETURNING id`;
    if (inserted.length === 0) throw new AlreadyApplied(e.key);
    account = { ...account, allowanceMicros: allowance, purchasedMicros: purchased };
  }
  if (input.entries.length > 0) {
    await tx.$executeRaw`
      UPDATE billing_accounts SET allowance_micros = ${account.allowanceMicros}, purchased_micros = ${account.purchasedMicros}, updated_at = now()
      WHERE user_id = ${account.userId}::uuid`;
  }
  return account;
}

/** Applies a plan/trial/period change computed by libs/billing-ledger from the locked account. */
export async function applyTermsChange(tx: Tx, input: { account: AccountRow; change: TermsChange; meta?: EntryMeta; at: Date }): Promise<AccountRow> {
  const { account, change } = input;
  const delta = change.entries.reduce((a, e) => a + e.allowanceDeltaMicros, 0n);
  if (account.allowanceMicros + delta !== change.terms.allowanceMicros) {
    throw errors.internal(new Error(`terms change for ${account.userId} does not balance: ${account.allowanceMicros} + ${delta} ≠ ${change.terms.allowanceMicros}`));
  }
  const moved = await applyEntries(tx, { account, entries: change.entries, meta: input.meta });
  const t = change.terms;
  await tx.$executeRaw`
    UPDATE billing_accounts SET
      plan = ${t.plan}, plan_source = ${t.planSource}, allowance_micros = ${t.allowanceMicros},
      allowance_expires_at = ${t.allowanceExpiresAt}, period_start = ${t.periodStart},
      trial_started_at = ${t.trialStartedAt}, trial_ends_at = ${t.trialEndsAt}, trial_daily_cap_micros = ${t.trialDailyCapMicros},
      daily_cap_micros = ${t.dailyCapMicros}, partner_code = ${t.partnerCode}, updated_at = now()
    WHERE user_id = ${account.userId}::uuid`;
  if (change.planChanged) await enqueue(tx, [planChangedEvent({ userId: account.userId, plan: t.plan, at: input.at })]);
  return { ...moved, ...t };
}

