import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { errors } from '@gatewayz/errors';
import { loadPlans } from '@gatewayz/plans';
import { AdminCreditOp, type CreditTransaction, type UsageTotals } from '@gatewayz/proto';
import { requireRole } from '../auth/require-role.middleware';
import type { AuditRecorder } from './audit';
import { accountJson, caller, credits, dollarAmount, iso, pageQuery, parse, trialJson, usd, type BillingClient } from './http';

const KINDS = ['trial', 'purchase', 'api_usage', 'admin_credit', 'refund', 'bonus', 'coupon', 'referral', 'subscription_grant', 'allowance_expiry'] as const;

export function transactionJson(t: CreditTransaction) {
  return {
    id: t.id,
    kind: t.kind,
    request_id: t.requestId,
    amount: usd(t.amountMicros),
    amount_credits: credits(t.amountMicros),
    balance_after: usd(t.balanceAfterMicros),
    from_allowance: usd(t.allowanceDeltaMicros),
    from_purchased: usd(t.purchasedDeltaMicros),
    model: t.model || null,
    provider: t.provider || null,
    input_tokens: t.inputTokens,
    output_tokens: t.outputTokens,
    api_key_id: t.apiKeyId || null,
    actor_id: t.actorId || null,
    reason: t.reason || null,
    created_at: iso(t.createdAtMs),
  };
}

export function totalsJson(t: UsageTotals | undefined) {
  return {
    requests: Number(t?.requests ?? 0n),
    successful: Number(t?.successful ?? 0n),
    failed: Number(t?.failed ?? 0n),
    input_tokens: Number(t?.inputTokens ?? 0n),
    output_tokens: Number(t?.outputTokens ?? 0n),
    total_tokens: Number((t?.inputTokens ?? 0n) + (t?.outputTokens ?? 0n)),
    spend: usd(t?.costMicros ?? 0n),
  };
}

const adminBody = {
  add: z.object({ user_id: z.uuid(), amount: dollarAmount({ signed: false }), reason: z.string().trim().min(3).max(500) }).strict(),
  adjust: z.object({ user_id: z.uuid(), amount: dollarAmount({ signed: true }), reason: z.string().trim().min(3).max(500) }).strict(),
  refund: z
    .object({ user_id: z.uuid(), request_id: z.string().min(1).max(200).optional(), amount: dollarAmount({ signed: false }).optional(), reason: z.string().trim().min(3).max(500) })
    .strict(),
};

/** Balance, plans, trial, the ledger, admin credit operations, plan assignment, the monitor. */
export function accountRoutes(deps: { billing: BillingClient; authenticate: RequestHandler; body: RequestHandler; audit: AuditRecorder }): Router {
  const { billing, authenticate, body, audit } = deps;
  const router = Router();
  const admin = [authenticate, requireRole('admin')];
  const plans = loadPlans();

  router.get('/plans', (_req, res) => {
    res.json({
      currency: 'USD',
      plans: plans.plans.map((p) => ({
        id: p.slug,
        name: p.name,
        monthly_price: usd(p.monthlyPriceMicros),
        monthly_allowance: usd(p.monthlyAllowanceMicros),
        daily_limit: p.dailySpendCapMicros === null ? null : usd(p.dailySpendCapMicros),
        rate_limits: { rpm: p.rateLimits.rpm, tpm: p.rateLimits.tpm, tokens_per_day: p.rateLimits.tokensPerDay, tokens_per_month: p.rateLimits.tokensPerMonth },
      })),
      trial: { days: plans.trial.days, credit: usd(plans.trial.creditMicros), daily_limit: usd(plans.trial.dailySpendCapMicros) },
    });
  });

  router.get('/trial/status', authenticate, async (req, res) => {
    const { account } = await billing.getAccount({ userId: caller(req).userId }, { requestId: req.id });
    res.json({ plan: account!.plan, ...trialJson(account!.trial!) });
  });

  router.get('/user/balance', authenticate, async (req, res) => {
    const { account } = await billing.getAccount({ userId: caller(req).userId }, { requestId: req.id });
    res.json(accountJson(account!));
  });

  router.get('/credits/transactions', authenticate, async (req, res) => {
    const q = parse(pageQuery(1_000, 50).extend({ kind: z.enum(KINDS).optional() }), req.query);
    const r = await billing.listCreditTransactions({ userId: caller(req).userId, limit: q.limit, offset: q.offset, kind: q.kind ?? '' }, { requestId: req.id });
    res.json({ transactions: r.transactions.map(transactionJson), total: Number(r.total), limit: q.limit, offset: q.offset });
  });

  const creditOp = (op: AdminCreditOp, name: 'add' | 'adjust' | 'refund'): RequestHandler => async (req, res) => {
    const b = parse(adminBody[name], req.body) as { user_id: string; amount?: bigint; reason: string; request_id?: string };
    if (name === 'refund' && b.request_id === undefined && b.amount === undefined) throw errors.invalidRequest('Give the request_id whose charge to refund, or an amount.', 'request_id');
    const actorId = caller(req).userId;
    const r = await billing.adminCredit(
      { op, userId: b.user_id, amountMicros: b.amount ?? 0n, actorId, reason: b.reason, refundRequestId: b.request_id ?? '', idempotencyKey: req.id },
      { requestId: req.id },
    );
    await audit.record({ action: `credits.${name}`, actorId, targetUserId: b.user_id, requestId: req.id, details: { amount: usd(r.transaction!.amountMicros), reason: b.reason, transaction_id: r.transaction!.id, refund_request_id: b.request_id ?? null } });
    res.json({ transaction: transactionJson(r.transaction!), account: accountJson(r.account!) });
  };
  router.post('/credits/add', ...admin, body, creditOp(AdminCreditOp.ADD, 'add'));
  router.post('/credits/adjust', ...admin, body, creditOp(AdminCreditOp.ADJUST, 'adjust'));
  router.post('/credits/refund', ...admin, body, creditOp(AdminCreditOp.REFUND, 'refund'));

  router.post('/admin/assign-plan', ...admin, body, async (req, res) => {
    const b = parse(z.object({ user_id: z.uuid(), plan: z.enum(['free', 'starter', 'pro', 'enterprise']), reason: z.string().trim().max(500).optional() }).strict(), req.body);
    const actorId = caller(req).userId;
    const r = await billing.assignPlan({ userId: b.user_id, plan: b.plan, actorId, reason: b.reason ?? '' }, { requestId: req.id });
    await audit.record({ action: 'billing.assign_plan', actorId, targetUserId: b.user_id, requestId: req.id, details: { plan: b.plan, reason: b.reason ?? null } });
    res.json(accountJson(r.account!));
  });

  router.get('/admin/monitor', ...admin, async (req, res) => {
    const m = await billing.getMonitor({}, { requestId: req.id });
    res.json({
      timestamp: new Date().toISOString(),
      users: { total: Number(m.accounts), active_trials: Number(m.activeTrials), by_plan: Object.fromEntries(m.plans.map((p) => [p.plan, Number(p.accounts)])) },
      credits: {
        allowance: usd(m.allowanceMicros),
        purchased: usd(m.purchasedMicros),
        total: usd(m.allowanceMicros + m.purchasedMicros),
        reserved: usd(m.reservedMicros),
        open_reservations: Number(m.openReservations),
        stale_reservations: Number(m.staleReservations),
        purchases_total: usd(m.purchasesMicros),
      },
      usage: { last_24h: totalsJson(m.last24h), last_30d: totalsJson(m.last30d) },
    });
  });
  return router;
}
