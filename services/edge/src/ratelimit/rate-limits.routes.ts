import { Router, type RequestHandler } from 'express';
import type { PrismaClient } from '@gatewayz/db';
import type { PlanCatalog } from '@gatewayz/plans';
import type { WindowLimiter } from '@gatewayz/ratelimit';
import { requirePermission } from '../auth/principal.middleware';
import { keyView } from '../keys/key-view';
import { effectiveLimits, keyRules, planLimits } from './plan-limits';

const snake = (l: { rpm: number; tpm: number; tokensPerDay: number; tokensPerMonth: number }) => ({
  rpm: l.rpm,
  tpm: l.tpm,
  tokens_per_day: l.tokensPerDay,
  tokens_per_month: l.tokensPerMonth,
});

/** GET /user/rate-limits: the plan's limits, each key's effective limits and current usage. */
export function rateLimitsRouter(deps: { prisma: PrismaClient; plans: PlanCatalog; keyLimiter: WindowLimiter; principal: RequestHandler }): Router {
  const r = Router();
  r.get('/user/rate-limits', deps.principal, requirePermission('keys:read'), async (req, res) => {
    const userId = req.auth!.userId;
    const user = await deps.prisma.user.findUniqueOrThrow({ where: { id: userId }, select: { plan: true } });
    const plan = planLimits(deps.plans, user.plan);
    const rows = await deps.prisma.apiKey.findMany({ where: { userId, deletedAt: null }, orderBy: { createdAt: 'asc' } });
    const keys = await Promise.all(
      rows.map(async (row) => {
        const view = keyView(row);
        const limits = effectiveLimits(plan.limits, {
          rpm: view.rate_limits.rpm,
          tpm: view.rate_limits.tpm,
          tokensPerDay: view.rate_limits.tokens_per_day,
          tokensPerMonth: view.rate_limits.tokens_per_month,
        });
        const usage = await deps.keyLimiter.peek(`key:${row.id}`, keyRules(limits));
        return {
          key_id: row.id,
          name: row.name,
          masked_key: view.masked_key,
          overrides: view.rate_limits,
          limits: snake(limits),
          usage: Object.fromEntries(usage.map((u) => [u.name, { used: u.used, remaining: u.remaining, resets_at: new Date(u.resetAtMs).toISOString() }])),
        };
      }),
    );
    res.json({ plan: { slug: plan.slug, limits: snake(plan.limits) }, keys });
  });
  return r;
}
