import {
  adminCapError,
  dollarsToMicros,
  microsToDollars,
  openingTerms,
  partnerTrialTerms,
  periodEndTerms,
  planChangeTerms,
  purchasedEntry,
  type LedgerEntry,
  type PartnerTerms,
} from '@gatewayz/billing-ledger';
import type { PrismaClient } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { PlanCatalog, PlanSlug } from '@gatewayz/plans';
import { lockAccount, readAccount, type AccountRow, type Tx } from './account-row';
import { AlreadyApplied, applyEntries, applyTermsChange } from './ledger-writer';

export interface AccountsOptions {
  lowThresholdMicros: bigint;
  adminPerTxCapMicros: bigint;
  adminDailyCapMicros: bigint;
}

export type AdminOp = 'add' | 'adjust' | 'refund';

const TX = { maxWait: 10_000, timeout: 20_000 };

function isForeignKeyViolation(err: unknown): boolean {
  const e = err as { code?: string; meta?: { code?: string }; message?: string };
  return e.code === '23503' || e.meta?.code === '23503' || /23503|foreign key/i.test(e.message ?? '');
}

/**
 * Accounts: opening (at registration, or lazily on first use; idempotent), plan changes,
 * allowance periods, admin credit operations. Every money movement is a ledger row written
 * with the balance change in one transaction under the account's row lock.
 */
export class AccountsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly catalog: PlanCatalog,
    private readonly options: AccountsOptions,
    private readonly logger: Logger,
  ) {}

  get plans(): PlanCatalog {
    return this.catalog;
  }

  /** Opens the account inside `tx` when missing (standard or partner trial). Returns it locked. */
  async openInTx(tx: Tx, input: { userId: string; partner?: PartnerTerms; now: Date }): Promise<{ account: AccountRow; opened: boolean }> {
    const existing = await lockAccount(tx, input.userId);
    if (existing) return { account: existing, opened: false };
    const inserted = await tx.$queryRaw<{ user_id: string }[]>`
      INSERT INTO billing_accounts (user_id, low_threshold_micros) VALUES (${input.userId}::uuid, ${this.options.lowThresholdMicros})
      ON CONFLICT (user_id) DO NOTHING RETURNING user_id`;
    const blank = await lockAccount(tx, input.userId);
    if (!blank) throw errors.internal(new Error(`account ${input.userId} vanished`));
    if (inserted.length === 0) return { account: blank, opened: false };
    const change = openingTerms({ catalog: this.catalog, userId: input.userId, now: input.now, partner: input.partner });
    const account = await applyTermsChange(tx, { account: blank, change, at: input.now, meta: { reason: input.partner ? `partner trial ${input.partner.code}` : 'trial' } });
    return { account, opened: true };
  }

  /** Idempotent: the account exists afterwards. A user unknown to identity → 403. */
  async ensure(userId: string): Promise<AccountRow> {
    const found = await readAccount(this.prisma, userId);
    if (found) return found;
    try {
      return await this.prisma.$transaction((tx) => this.openInTx(tx, { userId, now: new Date() }).then((r) => r.account), TX);
    } catch (err) {
      if (isForeignKeyViolation(err)) throw errors.forbidden('No such user.', 'account_not_found');
      throw err;
    }
  }

  async get(userId: string): Promise<AccountRow> {
    return this.ensure(userId);
  }

  /** Runs `fn` with the account locked (opened first when missing). */
  async withLocked<T>(userId: string, fn: (tx: Tx, account: AccountRow) => Promise<T>): Promise<T> {
    await this.ensure(userId);
    return this.prisma.$transaction(async (tx) => {
      const account = await lockAccount(tx, userId);
      if (!account) throw errors.internal(new Error(`account ${userId} missing after ensure`));
      return fn(tx, account);
    }, TX);
  }

  async assignPlan(input: { userId: string; plan: string; source: 'admin' | 'stripe'; actorId?: string; reason?: string }): Promise<AccountRow> {
    const plan = this.catalog.bySlug(input.plan);
    if (!plan) throw errors.invalidRequest(`Unknown plan '${input.plan}'. Plans: ${this.catalog.plans.map((p) => p.slug).join(', ')}.`, 'plan');
    return this.withLocked(input.userId, async (tx, account) => {
      const now = new Date();
      const change = planChangeTerms({ catalog: this.catalog, userId: input.userId, current: account, to: plan.slug as PlanSlug, source: input.source, now });
      return applyTermsChange(tx, { account, change, at: now, meta: { actorId: input.actorId, reason: input.reason ?? `plan ${plan.slug}` } });
    });
  }

  async startPartnerTrial(input: { userId: string; partner: PartnerTerms }): Promise<AccountRow> {
    return this.withLocked(input.userId, async (tx, account) => {
      const now = new Date();
      const change = partnerTrialTerms({ catalog: this.catalog, userId: input.userId, current: account, partner: input.partner, now });
      if (!change) {
        throw new GatewayError({
          code: 'partner_trial_unavailable',
          message: 'A partner trial can be started once per account, and not on a paid subscription.',
          status: 409,
          param: 'partner_code',
        });
      }
      return applyTermsChange(tx, { account, change, at: now, meta: { reason: `partner trial ${input.partner.code}` } });
    });
  }

  /** Ends due allowance periods (trial ends, monthly renewals). Returns how many accounts changed. */
  async processDuePeriods(limit = 200): Promise<number> {
    const due = await this.prisma.$queryRaw<{ user_id: string }[]>`
      SELECT user_id FROM billing_accounts WHERE allowance_expires_at <= now() ORDER BY allowance_expires_at LIMIT ${limit}`;
    let changed = 0;
    for (const { user_id: userId } of due) {
      try {
        await this.prisma.$transaction(async (tx) => {
          const account = await lockAccount(tx, userId);
          if (!account) return;
          const now = new Date();
          const change = periodEndTerms({ catalog: this.catalog, userId, current: account, now });
          if (!change) return;
          await applyTermsChange(tx, { account, change, at: now, meta: { reason: 'allowance period ended' } });
          changed++;
        }, TX);
      } catch (err) {
        if (!(err instanceof AlreadyApplied)) this.logger.error('allowance period processing failed', { user_id: userId, err });
      }
    }
    return changed;
  }

  /**
   * Admin credit operations within a per-operation cap and a 24 h cap per admin (serialized
   * per admin by an advisory lock, so two concurrent grants cannot both squeeze under the cap).
   */
  async adminCredit(input: { op: AdminOp; userId: string; amountMicros: bigint; actorId: string; reason: string; refundRequestId?: string; idempotencyKey: string }) {
    if (!input.actorId) throw errors.invalidRequest('actor_id is required.', 'actor_id');
    if (!input.reason.trim()) throw errors.invalidRequest('A reason is required for every admin credit operation.', 'reason');
    if (input.op !== 'adjust' && input.amountMicros < 0n) throw errors.invalidRequest('The amount must be positive.', 'amount');
    await this.ensure(input.userId);
    try {
      return await this.prisma.$transaction(async (tx) => {
        await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`admin-credit:${input.actorId}`}))`;
        const account = await lockAccount(tx, input.userId);
        if (!account) throw errors.notFound('No such account.');
        const { amount, key } = await this.adminAmount(tx, input);
        const used = await tx.$queryRaw<{ used: bigint }[]>`
          SELECT COALESCE(SUM(ABS(amount_micros)), 0)::bigint AS used FROM credit_transactions
          WHERE actor_id = ${input.actorId} AND kind IN ('admin_credit', 'refund') AND created_at > now() - interval '24 hours'`;
        const capError = adminCapError({
          amountMicros: amount,
          perTxCapMicros: this.options.adminPerTxCapMicros,
          dailyCapMicros: this.options.adminDailyCapMicros,
          usedLast24hMicros: used[0]?.used ?? 0n,
        });
        if (capError) throw capError;
        const entry: LedgerEntry = purchasedEntry(input.op === 'refund' ? 'refund' : 'admin_credit', key, amount);
        const after = await applyEntries(tx, { account, entries: [entry], meta: { actorId: input.actorId, reason: `${input.op}: ${input.reason}`.slice(0, 500) } });
        const row = await tx.creditTransaction.findUniqueOrThrow({ where: { requestId_kind: { requestId: key, kind: entry.kind } } });
        return { account: after, transaction: row };
      }, TX);
    } catch (err) {
      if (err instanceof AlreadyApplied) {
        const kind = input.op === 'refund' ? 'refund' : 'admin_credit';
        const key = input.op === 'refund' && input.refundRequestId ? `refund:${input.refundRequestId}` : `admin:${input.idempotencyKey}`;
        const row = await this.prisma.creditTransaction.findUnique({ where: { requestId_kind: { requestId: key, kind } } });
        if (input.op === 'refund' && input.refundRequestId) throw new GatewayError({ code: 'already_refunded', message: `Request ${input.refundRequestId} was already refunded.`, status: 409, param: 'request_id' });
        return { account: await this.get(input.userId), transaction: row! };
      }
      throw err;
    }
  }

  private async adminAmount(tx: Tx, input: { op: AdminOp; userId: string; amountMicros: bigint; refundRequestId?: string; idempotencyKey: string }): Promise<{ amount: bigint; key: string }> {
    if (input.op !== 'refund' || !input.refundRequestId) return { amount: input.amountMicros, key: `admin:${input.idempotencyKey}` };
    const charge = await tx.creditTransaction.findUnique({ where: { requestId_kind: { requestId: input.refundRequestId, kind: 'api_usage' } } });
    if (!charge || charge.userId !== input.userId) throw errors.notFound(`No charge for request ${input.refundRequestId} on this account.`, 'charge_not_found');
    const charged = -charge.amountMicros;
    const amount = input.amountMicros === 0n ? charged : input.amountMicros;
    if (amount > charged) throw errors.invalidRequest(`A refund cannot exceed what the request was charged ($${Number(charged) / 1e6}).`, 'amount');
    return { amount, key: `refund:${input.refundRequestId}` };
  }
}

export function capsFromConfig(c: { CREDITS_LOW_THRESHOLD_USD: string; ADMIN_CREDIT_MAX_PER_TX_USD: string; ADMIN_CREDIT_MAX_PER_DAY_USD: string }): AccountsOptions {
  return {
    lowThresholdMicros: dollarsToMicros(c.CREDITS_LOW_THRESHOLD_USD),
    adminPerTxCapMicros: dollarsToMicros(c.ADMIN_CREDIT_MAX_PER_TX_USD),
    adminDailyCapMicros: dollarsToMicros(c.ADMIN_CREDIT_MAX_PER_DAY_USD),
  };
}
