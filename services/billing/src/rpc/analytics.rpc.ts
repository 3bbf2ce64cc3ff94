import type { BillingService } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import { errors } from '@gatewayz/errors';
import { usageRecordMessage, windowOf } from '../analytics/analytics';
import { page, userIdOf, type BillingCore } from './core';

type Impl = ServiceImpl<typeof BillingService>;

const MAX_EXPORT_DAYS = 366;

export function analyticsRpc(core: BillingCore): Pick<Impl, 'getActivityStats' | 'listActivity' | 'getKeyUsage' | 'exportUsage' | 'getLatency'> {
  return {
    async getActivityStats(req) {
      const window = windowOf(req.fromMs, req.toMs);
      const s = await core.analytics.stats(userIdOf(req.userId), window);
      return { ...s, fromMs: BigInt(window.from.getTime()), toMs: BigInt(window.to.getTime()) };
    },
    async listActivity(req) {
      const p = page(req, { fallback: 50, max: 1_000 });
      const { rows, total } = await core.analytics.activity({ userId: userIdOf(req.userId), ...p, model: req.model || undefined, apiKeyId: req.apiKeyId || undefined });
      return { records: rows.map(usageRecordMessage), total: BigInt(total) };
    },
    async getKeyUsage(req) {
      const window = windowOf(req.fromMs, req.toMs);
      return { apiKeyId: req.apiKeyId, ...(await core.analytics.keyUsage(userIdOf(req.userId), userIdOf(req.apiKeyId, 'key_id'), window)) };
    },
    async *exportUsage(req) {
      const window = windowOf(req.fromMs, req.toMs);
      if (window.to.getTime() - window.from.getTime() > MAX_EXPORT_DAYS * 86_400_000) {
        throw errors.invalidRequest(`An export covers at most ${MAX_EXPORT_DAYS} days.`, 'start_date');
      }
      if (window.to <= window.from) throw errors.invalidRequest('end_date must be after start_date.', 'end_date');
      for await (const rows of core.analytics.export({ userId: userIdOf(req.userId), window })) yield { records: rows.map(usageRecordMessage) };
    },
    async getLatency(req) {
      const from = req.fromMs > 0n ? new Date(Number(req.fromMs)) : new Date(Date.now() - 30 * 86_400_000);
      return core.analytics.latency({ userId: userIdOf(req.userId), model: req.model || undefined, from });
    },
  };
}
