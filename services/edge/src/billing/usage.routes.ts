import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { errors } from '@gatewayz/errors';
import type { LatencyStats, UsageGroup, UsageRecord } from '@gatewayz/proto';
import { totalsJson } from './account.routes';
import { caller, dateParam, iso, pageQuery, parse, usd, type BillingClient } from './http';

function recordJson(r: UsageRecord) {
  return {
    request_id: r.requestId,
    created_at: iso(r.occurredAtMs),
    model: r.model,
    provider: r.provider || null,
    api_key_id: r.apiKeyId || null,
    status: r.status,
    error_code: r.errorCode || null,
    stream: r.stream,
    input_tokens: r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens,
    cached_tokens: r.cacheReadTokens,
    output_tokens: r.outputTokens,
    cost: usd(r.costMicros),
    ttft_ms: r.ttftMs,
    duration_ms: r.durationMs,
  };
}

const groupsJson = (groups: UsageGroup[], key: string) => groups.map((g) => ({ [key]: g.key, ...totalsJson(g.totals) }));
const latencyJson = (l: LatencyStats | undefined) => ({
  model: l?.model || null,
  requests: Number(l?.requests ?? 0n),
  p50_ms: l?.p50Ms ?? 0,
  p95_ms: l?.p95Ms ?? 0,
  p99_ms: l?.p99Ms ?? 0,
  ttft_p50_ms: l?.ttftP50Ms ?? 0,
  ttft_p95_ms: l?.ttftP95Ms ?? 0,
  ttft_p99_ms: l?.ttftP99Ms ?? 0,
});

const windowQuery = z.object({ start_date: dateParam.optional(), end_date: dateParam.optional() });
const csvCell = (v: string | number): string => {
  const s = String(v);
  // Quote when needed; neutralize spreadsheet formulas.
  const safe = /^[=+\-@]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
};
const CSV_COLUMNS = ['date', 'request_id', 'model', 'provider', 'tokens_in', 'tokens_out', 'cost', 'api_key', 'status'] as const;

async function exportUsage(billing: BillingClient, req: Request, res: Response): Promise<void> {
  const q = parse(windowQuery.extend({ format: z.enum(['csv', 'json']).default('csv') }), req.query);
  const end = q.end_date !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(String(req.query.end_date)) ? q.end_date + 86_400_000n : q.end_date;
  const stream = billing.exportUsage({ userId: caller(req).userId, fromMs: q.start_date ?? 0n, toMs: end ?? 0n }, { requestId: req.id, timeoutMs: 120_000 });
  const rows = (r: UsageRecord) => ({
    date: iso(r.occurredAtMs)!,
    request_id: r.requestId,
    model: r.model,
    provider: r.provider,
    tokens_in: r.inputTokens + r.cacheReadTokens + r.cacheWriteTokens,
    tokens_out: r.outputTokens,
    cost: usd(r.costMicros),
    api_key: r.apiKeyId,
    status: r.status,
  });
  const iterator = stream[Symbol.asyncIterator]();
  const first = await iterator.next(); // errors (bad window) before any byte
  const name = `gatewayz-usage-${new Date().toISOString().slice(0, 10)}`;
  if (q.format === 'json') {
    res.setHeader('content-type', 'application/json; charset=utf-8');
    res.setHeader('content-disposition', `attachment; filename="${name}.json"`);
    res.write('{"records":[');
    let n = 0;
    for (let page = first; !page.done; page = await iterator.next()) {
      for (const r of page.value.records) res.write(`${n++ === 0 ? '' : ','}${JSON.stringify(rows(r))}`);
    }
    res.end(`],"total":${n}}`);
    return;
  }
  res.setHeader('content-type', 'text/csv; charset=utf-8');
  res.setHeader('content-disposition', `attachment; filename="${name}.csv"`);
  res.write(`${CSV_COLUMNS.join(',')}\n`);
  for (let page = first; !page.done; page = await iterator.next()) {
    const r = page.value.records.map((x) => {
      const row = rows(x);
      return CSV_COLUMNS.map((c) => csvCell(row[c])).join(',');
    });
    if (r.length > 0) res.write(`${r.join('\n')}\n`);
  }
  res.end();
}

/** The caller's own usage: stats, activity log, per-key usage, export, latency. */
export function usageRoutes(deps: { billing: BillingClient; authenticate: RequestHandler }): Router {
  const { billing, authenticate } = deps;
  const router = Router();

  router.get('/user/activity/stats', authenticate, async (req, res) => {
    const q = parse(windowQuery.extend({ days: z.coerce.number().int().min(1).max(366).optional() }), req.query);
    const from = q.start_date ?? (q.days ? BigInt(Date.now() - q.days * 86_400_000) : 0n);
    const r = await billing.getActivityStats({ userId: caller(req).userId, fromMs: from, toMs: q.end_date ?? 0n }, { requestId: req.id });
    res.json({
      from: iso(r.fromMs),
      to: iso(r.toMs),
      totals: totalsJson(r.totals),
      by_day: groupsJson(r.byDay, 'date'),
      by_model: groupsJson(r.byModel, 'model'),
      by_provider: groupsJson(r.byProvider, 'provider'),
    });
  });

  router.get('/user/activity/log', authenticate, async (req, res) => {
    const q = parse(pageQuery(1_000, 50).extend({ model: z.string().max(200).optional(), api_key_id: z.uuid().optional() }), req.query);
    const r = await billing.listActivity({ userId: caller(req).userId, limit: q.limit, offset: q.offset, model: q.model ?? '', apiKeyId: q.api_key_id ?? '' }, { requestId: req.id });
    res.json({ logs: r.records.map(recordJson), total: Number(r.total), count: r.records.length, limit: q.limit, offset: q.offset });
  });

  router.get('/user/api-keys/:key_id/usage', authenticate, async (req, res) => {
    const keyId = String(req.params.key_id);
    if (!z.uuid().safeParse(keyId).success) throw errors.invalidRequest('key_id must be a UUID.', 'key_id');
    const q = parse(windowQuery, req.query);
    const r = await billing.getKeyUsage({ userId: caller(req).userId, apiKeyId: keyId, fromMs: q.start_date ?? 0n, toMs: q.end_date ?? 0n }, { requestId: req.id });
    res.json({ key_id: keyId, totals: totalsJson(r.totals), by_model: groupsJson(r.byModel, 'model'), by_day: groupsJson(r.byDay, 'date'), last_used_at: iso(r.lastUsedAtMs) });
  });

  router.get('/user/usage/export', authenticate, (req, res) => exportUsage(billing, req, res));

  router.get('/user/latency', authenticate, async (req, res) => {
    const q = parse(z.object({ model: z.string().max(200).optional(), days: z.coerce.number().int().min(1).max(90).default(30) }), req.query);
    const r = await billing.getLatency({ userId: caller(req).userId, model: q.model ?? '', fromMs: BigInt(Date.now() - q.days * 86_400_000) }, { requestId: req.id });
    res.json({ window_days: q.days, overall: latencyJson(r.overall), by_model: r.byModel.map(latencyJson) });
  });
  return router;
}
