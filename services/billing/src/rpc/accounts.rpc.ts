import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CreditTransactionModel as CreditTransaction } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import { AdminCreditOp, type BillingService, type CreditTransactionSchema, type PartnerProgramSchema } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import type { PartnerProgramModel as PartnerProgram } from '@gatewayz/db';
import { monitorSnapshot } from '../analytics/monitor';
import { accountMessage, type AccountRow } from '../ledger/account-row';
import type { AdminOp } from '../ledger/accounts';
import { partnerTerms } from '../promotions/partners';
import { ms, page, userIdOf, type BillingCore } from './core';

type Impl = ServiceImpl<typeof BillingService>;

export function transactionMessage(t: CreditTransaction): MessageInitShape<typeof CreditTransactionSchema> {
  return {
    id: String(t.id),
    userId: t.userId,
    kind: t.kind,
    requestId: t.requestId,
    amountMicros: t.amountMicros,
    allowanceDeltaMicros: t.allowanceDeltaMicros,
    purchasedDeltaMicros: t.purchasedDeltaMicros,
    balanceAfterMicros: t.balanceAfterMicros,
    model: t.model ?? '',
    provider: t.provider ?? '',
    inputTokens: t.inputTokens ?? 0,
    outputTokens: t.outputTokens ?? 0,
    apiKeyId: t.apiKeyId ?? '',
    actorId: t.actorId ?? '',
    reason: t.reason ?? '',
    createdAtMs: ms(t.createdAt),
  };
}

export function partnerMessage(p: PartnerProgram): MessageInitShape<typeof PartnerProgramSchema> {
  return { code: p.code, name: p.name, plan: p.plan, trialDays: p.trialDays, creditMicros: p.creditMicros, dailyCapMicros: p.dailyCapMicros ?? -1n, active: p.active };
}

const OPS: Record<number, AdminOp | undefined> = {
  [AdminCreditOp.ADD]: 'add',
  [AdminCreditOp.ADJUST]: 'adjust',
  [AdminCreditOp.REFUND]: 'refund',
};

export function accountsRpc(core: BillingCore): Pick<
  Impl,
  'authorize' | 'getAccount' | 'assignPlan' | 'adminCredit' | 'listCreditTransactions' | 'getMonitor' | 'getPartnerProgram' | 'upsertPartnerProgram' | 'startPartnerTrial'
> {
  const account = async (a: AccountRow) => {
    const program = a.partnerCode ? await core.partners.get(a.partnerCode) : undefined;
    return accountMessage(a, new Date(), program?.creditMicros ?? core.plans.trial.creditMicros);
  };
  return {
    authorize: (req) => core.authorize.authorize(req),
    async getAccount(req) {
      return { account: await account(await core.accounts.get(userIdOf(req.userId))) };
    },
    async assignPlan(req) {
      const a = await core.accounts.assignPlan({ userId: userIdOf(req.userId), plan: req.plan, source: 'admin', actorId: req.actorId, reason: req.reason || 'assigned by an admin' });
      core.relay.poke();
      return { account: await account(a) };
    },
    async adminCredit(req) {
      const op = OPS[req.op];
      if (!op) throw errors.invalidRequest('op must be ADD, ADJUST or REFUND.', 'op');
      const r = await core.accounts.adminCredit({
        op,
        userId: userIdOf(req.userId),
        amountMicros: req.amountMicros,
        actorId: req.actorId,
        reason: req.reason,
        refundRequestId: req.refundRequestId || undefined,
        idempotencyKey: req.idempotencyKey || crypto.randomUUID(),
      });
      return { transaction: transactionMessage(r.transaction), account: await account(r.account) };
    },
    async listCreditTransactions(req) {
      const userId = userIdOf(req.userId);
      const p = page(req, { fallback: 50, max: 1_000 });
      const where = { userId, ...(req.kind ? { kind: req.kind as CreditTransaction['kind'] } : {}) };
      const [rows, total] = await Promise.all([
        core.prisma.creditTransaction.findMany({ where, orderBy: [{ createdAt: 'desc' }, { id: 'desc' }], take: p.limit, skip: p.offset }),
        core.prisma.creditTransaction.count({ where }),
      ]);
      return { transactions: rows.map(transactionMessage), total: BigInt(total) };
    },
    getMonitor: () => monitorSnapshot(core.prisma),
    async getPartnerProgram(req) {
      const program = await core.partners.get(req.code);
      return { program: program ? partnerMessage(program) : undefined };
    },
    async upsertPartnerProgram(req) {
      const p = req.program;
      if (!p) throw errors.invalidRequest('program is required.', 'program');
      const saved = await core.partners.upsert({
        code: p.code,
        name: p.name || p.code,
        plan: p.plan,
        trialDays: p.trialDays,
        creditMicros: p.creditMicros,
        dailyCapMicros: p.dailyCapMicros < 0n ? null : p.dailyCapMicros,
        active: p.active,
      });
      return { program: partnerMessage(saved) };
    },
    async startPartnerTrial(req) {
      const program = await core.partners.get(req.code);
      if (!program) throw errors.notFound(`Unknown or inactive partner code '${req.code.slice(0, 40)}'.`, 'partner_not_found');
      const a = await core.accounts.startPartnerTrial({ userId: userIdOf(req.userId), partner: partnerTerms(program) });
      core.relay.poke();
      return { account: await account(a) };
    },
  };
}
