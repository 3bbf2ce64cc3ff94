import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PrismaClient, UsageRecordModel as UsageRecord } from '@gatewayz/db';
import type { LatencyStatsSchema, UsageGroupSchema, UsageRecordSchema, UsageTotalsSchema } from '@gatewayz/proto';

const DAY_MS = 86_400_000;

interface TotalsRow {
  key: string;
  requests: bigint;
  successful: bigint;
  failed: bigint;
  input_tokens: bigint;
  output_tokens: bigint;
  cost_micros: bigint;
}

export function totals(r: TotalsRow | undefined): MessageInitShape<typeof UsageTotalsSchema> {
  return {
    requests: r?.requests ?? 0n,
    successful: r?.successful ?? 0n,
    failed: r?.failed ?? 0n,
    inputTokens: r?.input_tokens ?? 0n,
    outputTokens: r?.output_tokens ?? 0n,
    costMicros: r?.cost_micros ?? 0n,
  };
}

export function usageRecordMessage(r: UsageRecord): MessageInitShape<typeof UsageRecordSchema> {
  return {
    requestId: r.requestId,
    apiKeyId: r.apiKeyId ?? '',
    model: r.model,
    provider: r.provider,
    status: r.status,
    errorCode: r.errorCode ?? '',
    stream: r.stream,
    inputTokens: r.inputTokens,
    cacheReadTokens: r.cacheReadTokens,
    cacheWriteTokens: r.cacheWriteTokens,
    outputTokens: r.outputTokens,
    costMicros: r.costMicros,
    ttftMs: r.ttftMs,
    durationMs: r.durationMs,
    occurredAtMs: BigInt(r.occurredAt.getTime()),
  };
}

export interface Window {
  from: Date;
  to: Date;
}

export function windowOf(fromMs: bigint, toMs: bigint, defaultDays = 30): Window {
  const to = toMs > 0n ? new Date(Number(toMs)) : new Date();
  const from = fromMs > 0n ? new Date(Number(fromMs)) : new Date(to.getTime() - defaultDays * DAY_MS);
  return { from, to };
}

/**
 * Usage analytics from usage_records (one row per settled request, api key included): real
 * totals from the database (never a page's length), grouped by day, model, provider or key.
 */
export class AnalyticsStore {
  constructor(private readonly prisma: PrismaClient) {}

  /** Groups a user's usage in a window by `dimension` (a fixed column name, never user input). */
  private async grouped(input: { userId: string; window: Window; dimension: 'day' | 'model' | 'provider' | 'all'; apiKeyId?: string }): Promise<TotalsRow[]> {
    const key = {
      day: `to_char(occurred_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
      model: 'model',
      provider: 'provider',
      all: `'all'`,
    }[input.dimension];
    const keyFilter = input.apiKeyId ? 'AND api_key_id = $4' : '';
    const params: unknown[] = [input.userId, input.window.from, input.window.to];
    if (input.apiKeyId) params.push(input.apiKeyId);
    return this.prisma.$queryRawUnsafe<TotalsRow[]>(
      `SELECT ${key} AS key, COUNT(*)::bigint AS requests,
              COUNT(*) FILTER (WHERE status = 'success')::bigint AS successful,
              COUNT(*) FILTER (WHERE status = 'failed')::bigint AS failed,
              COALESCE(SUM(input_tokens + cache_read_tokens + cache_write_tokens), 0)::bigint AS input_tokens,
              COALESCE(SUM(output_tokens), 0)::bigint AS output_tokens,
              COALESCE(SUM(cost_micros), 0)::bigint AS cost_micros
       FROM usage_records
       WHERE user_id = $1::uuid AND occurred_at >= $2 AND occurred_at < $3 ${keyFilter}
       GROUP BY 1 ORDER BY ${input.dimension === 'day' ? '1' : 'cost_micros DESC, requests DESC'}`,
      ...params,
    );
  }

  async stats(userId: string, window: Window) {
    const [all, byDay, byModel, byProvider] = await Promise.all([
      this.grouped({ userId, window, dimension: 'all' }),
      this.grouped({ userId, window, dimension: 'day' }),
      this.grouped({ userId, window, dimension: 'model' }),
      this.grouped({ userId, window, dimension: 'provider' }),
    ]);
    const groups = (rows: TotalsRow[]): MessageInitShape<typeof UsageGroupSchema>[] => rows.map((r) => ({ key: r.key, totals: totals(r) }));
    return { totals: totals(all[0]), byDay: groups(byDay), byModel: groups(byModel), byProvider: groups(byProvider) };
  }

  async keyUsage(userId: string, apiKeyId: string, window: Window) {
    const [all, byModel, byDay, last] = await Promise.all([
      this.grouped({ userId, window, dimension: 'all', apiKeyId }),
      this.grouped({ userId, window, dimension: 'model', apiKeyId }),
      this.grouped({ userId, window, dimension: 'day', apiKeyId }),
      this.prisma.usageRecord.findFirst({ where: { userId, apiKeyId }, orderBy: { occurredAt: 'desc' }, select: { occurredAt: true } }),
    ]);
    const groups = (rows: TotalsRow[]) => rows.map((r) => ({ key: r.key, totals: totals(r) }));
    return { totals: totals(all[0]), byModel: groups(byModel), byDay: groups(byDay), lastUsedAtMs: BigInt(last?.occurredAt.getTime() ?? 0) };
  }

  async activity(input: { userId: string; limit: number; offset: number; model?: string; apiKeyId?: string }) {
    const where = { userId: input.userId, ...(input.model ? { model: input.model } : {}), ...(input.apiKeyId ? { apiKeyId: input.apiKeyId } : {}) };
    const [rows, total] = await Promise.all([
      this.prisma.usageRecord.findMany({ where, orderBy: [{ occurredAt: 'desc' }, { requestId: 'asc' }], take: input.limit, skip: input.offset }),
      this.prisma.usageRecord.count({ where }),
    ]);
    return { rows, total };
  }

  /** Pages of records in a window, oldest first (keyset pagination: stable under inserts). */
  async *export(input: { userId: string; window: Window; pageSize?: number }): AsyncGenerator<UsageRecord[]> {
    let cursor: { occurredAt: Date; requestId: string } | undefined;
    const take = input.pageSize ?? 1_000;
    for (;;) {
      const rows = await this.prisma.usageRecord.findMany({
        where: {
          userId: input.userId,
          occurredAt: { gte: input.window.from, lt: input.window.to },
          ...(cursor ? { OR: [{ occurredAt: { gt: cursor.occurredAt } }, { occurredAt: cursor.occurredAt, requestId: { gt: cursor.requestId } }] } : {}),
        },
        orderBy: [{ occurredAt: 'asc' }, { requestId: 'asc' }],
        take,
      });
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < take) return;
      const last = rows[rows.length - 1]!;
      cursor = { occurredAt: last.occurredAt, requestId: last.requestId };
    }
  }

  /** p50/p95/p99 of the user's own successful requests (total duration and time to first token). */
  async latency(input: { userId: string; model?: string; from: Date }) {
    const rows = await this.prisma.$queryRaw<
      { model: string | null; requests: bigint; p50: number | null; p95: number | null; p99: number | null; t50: number | null; t95: number | null; t99: number | null }[]
    >`
      SELECT CASE WHEN GROUPING(model) = 1 THEN NULL ELSE model END AS model, COUNT(*)::bigint AS requests,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY duration_ms) AS p50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY duration_ms) AS p95,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY duration_ms) AS p99,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY ttft_ms) FILTER (WHERE ttft_ms > 0) AS t50,
        percentile_cont(0.95) WITHIN GROUP (ORDER BY ttft_ms) FILTER (WHERE ttft_ms > 0) AS t95,
        percentile_cont(0.99) WITHIN GROUP (ORDER BY ttft_ms) FILTER (WHERE ttft_ms > 0) AS t99
      FROM usage_records
      WHERE user_id = ${input.userId}::uuid AND status = 'success' AND occurred_at >= ${input.from}
        AND (${input.model ?? null}::text IS NULL OR model = ${input.model ?? null})
      GROUP BY GROUPING SETS ((), (model))`;
    const stats = (r: (typeof rows)[number] | undefined): MessageInitShape<typeof LatencyStatsSchema> => ({
      model: r?.model ?? input.model ?? '',
      requests: r?.requests ?? 0n,
      p50Ms: r?.p50 ?? 0,
      p95Ms: r?.p95 ?? 0,
      p99Ms: r?.p99 ?? 0,
      ttftP50Ms: r?.t50 ?? 0,
      ttftP95Ms: r?.t95 ?? 0,
      ttftP99Ms: r?.t99 ?? 0,
    });
    return { overall: stats(rows.find((r) => r.model === null)), byModel: rows.filter((r) => r.model !== null).map(stats) };
  }
}
