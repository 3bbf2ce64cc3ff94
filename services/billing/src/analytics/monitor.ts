import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PrismaClient } from '@gatewayz/db';
import type { GetMonitorResponseSchema } from '@gatewayz/proto';
import { totals } from './analytics';

interface UsageRow {
  key: string;
  requests: bigint;
  successful: bigint;
  failed: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cost_micros: bigint;
}

/** GET /admin/monitor: accounts, credit totals, open reservations, usage over 24 h and 30 days. */
export async function monitorSnapshot(prisma: PrismaClient): Promise<MessageInitShape<typeof GetMonitorResponseSchema>> {
  const [balances, plans, trials, reservations, usage, purchases] = await Promise.all([
    prisma.$queryRaw<{ accounts: bigint; allowance: bigint; purchased: bigint; reserved: bigint }[]>`
      SELECT COUNT(*)::bigint AS accounts,
             COALESCE(SUM(CASE WHEN allowance_expires_at IS NULL OR allowance_expires_at > now() THEN allowance_micros ELSE 0 END), 0)::bigint AS allowance,
             COALESCE(SUM(purchased_micros), 0)::bigint AS purchased, COALESCE(SUM(reserved_micros), 0)::bigint AS reserved
      FROM billing_accounts`,
    prisma.$queryRaw<{ plan: string; n: bigint }[]>`SELECT plan, COUNT(*)::bigint AS n FROM billing_accounts GROUP BY plan ORDER BY plan`,
    prisma.$queryRaw<{ n: bigint }[]>`SELECT COUNT(*)::bigint AS n FROM billing_accounts WHERE trial_ends_at > now()`,
    prisma.$queryRaw<{ open: bigint; stale: bigint }[]>`
      SELECT COUNT(*)::bigint AS open, COUNT(*) FILTER (WHERE created_at < now() - interval '1 minute')::bigint AS stale
      FROM billing_reservations WHERE status = 'held'`,
    prisma.$queryRaw<UsageRow[]>`
      SELECT w.key, COUNT(u.request_id)::bigint AS requests,
             COUNT(*) FILTER (WHERE u.status = 'success')::bigint AS successful,
             COUNT(*) FILTER (WHERE u.status = 'failed')::bigint AS failed,
             COALESCE(SUM(u.input_tokens + u.cache_read_tokens + u.cache_write_tokens), 0)::bigint AS input_tokens,
             COALESCE(SUM(u.output_tokens), 0)::bigint AS output_tokens,
             COALESCE(SUM(u.cost_micros), 0)::bigint AS cost_micros
      FROM (VALUES ('24h', interval '24 hours'), ('30d', interval '30 days')) AS w(key, span)
      LEFT JOIN usage_records u ON u.occurred_at > now() - w.span
      GROUP BY w.key`,
    prisma.$queryRaw<{ total: bigint }[]>`SELECT COALESCE(SUM(amount_micros), 0)::bigint AS total FROM credit_transactions WHERE kind = 'purchase'`,
  ]);
  const b = balances[0]!;
  return {
    accounts: b.accounts,
    activeTrials: trials[0]?.n ?? 0n,
    plans: plans.map((p) => ({ plan: p.plan, accounts: p.n })),
    allowanceMicros: b.allowance,
    purchasedMicros: b.purchased,
    reservedMicros: b.reserved,
    openReservations: reservations[0]?.open ?? 0n,
    staleReservations: reservations[0]?.stale ?? 0n,
    last24h: totals(usage.find((u) => u.key === '24h')),
    last30d: totals(usage.find((u) => u.key === '30d')),
    purchasesMicros: purchases[0]?.total ?? 0n,
  };
}
