import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { errors } from '@gatewayz/errors';
import type { PartnerProgram } from '@gatewayz/proto';
import { requireRole } from '../auth/require-role.middleware';
import type { AuditRecorder } from './audit';
import { accountJson, caller, dollarAmount, parse, usd, type BillingClient } from './http';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{1,39}$/;

function programJson(p: PartnerProgram) {
  return {
    code: p.code,
    name: p.name,
    plan: p.plan,
    trial_days: p.trialDays,
    credit: usd(p.creditMicros),
    daily_limit: p.dailyCapMicros < 0n ? null : usd(p.dailyCapMicros),
    active: p.active,
  };
}

/** Partner trials: public config and check, start (user), upsert (admin). */
export function partnerRoutes(deps: { billing: BillingClient; authenticate: RequestHandler; body: RequestHandler; audit: AuditRecorder }): Router {
  const { billing, authenticate, body } = deps;
  const router = Router();

  router.get('/partner-trials/config/:code', async (req, res) => {
    const code = String(req.params.code);
    const r = CODE.test(code) ? await billing.getPartnerProgram({ code }, { requestId: req.id }) : { program: undefined };
    if (!r.program) throw errors.notFound(`No active partner program with code '${code.slice(0, 40)}'.`, 'partner_not_found');
    res.json(programJson(r.program));
  });

  // Always 200: the answer is in the body (AC-CC.9.2).
  router.get('/partner-trials/check/:code', async (req, res) => {
    const code = String(req.params.code);
    const r = CODE.test(code) ? await billing.getPartnerProgram({ code }, { requestId: req.id }) : { program: undefined };
    res.json({ code, valid: Boolean(r.program), partner: r.program ? programJson(r.program) : null });
  });

  router.post('/partner-trials/start', authenticate, body, async (req, res) => {
    const b = parse(z.object({ partner_code: z.string().trim().regex(CODE, 'must be a partner code') }).strict(), req.body);
    const r = await billing.startPartnerTrial({ userId: caller(req).userId, code: b.partner_code }, { requestId: req.id });
    res.json(accountJson(r.account!));
  });

  router.put('/admin/partner-trials/:code', authenticate, requireRole('admin'), body, async (req, res) => {
    const code = String(req.params.code);
    if (!CODE.test(code)) throw errors.invalidRequest('The partner code must be 2-40 letters, digits, "-" or "_".', 'code');
    const b = parse(
      z
        .object({
          name: z.string().trim().min(1).max(200),
          plan: z.enum(['free', 'starter', 'pro', 'enterprise']),
          trial_days: z.number().int().min(1).max(365),
          credit: dollarAmount({ signed: false }),
          daily_limit: dollarAmount({ signed: false }).nullable().default(null),
          active: z.boolean().default(true),
        })
        .strict(),
      req.body,
    );
    const actorId = caller(req).userId;
    const r = await billing.upsertPartnerProgram(
      { program: { code, name: b.name, plan: b.plan, trialDays: b.trial_days, creditMicros: b.credit, dailyCapMicros: b.daily_limit ?? -1n, active: b.active }, actorId },
      { requestId: req.id },
    );
    await deps.audit.record({ action: 'billing.partner_program.upsert', actorId, requestId: req.id, details: { code, plan: b.plan } });
    res.json(programJson(r.program!));
  });
  return router;
}
