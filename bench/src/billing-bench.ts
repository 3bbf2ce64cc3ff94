import { randomBytes, randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import path from 'node:path';
import { create, toJson } from '@bufbuild/protobuf';
import { Bus } from '@gatewayz/bus';
import { createPrisma, type PrismaClient } from '@gatewayz/db';
import { silentLogger } from '@gatewayz/logger';
import { BillingService, RequestStatus, UsageRecordedSchema, type RouteSchema } from '@gatewayz/proto';
import { createClient, type ServiceClient } from '@gatewayz/rpc';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { percentile } from './load';
import { cleanupNamespace, cli, freePort, startNode, stopAll, waitFor } from './processes';
import { cpuMicros, machineDescription } from './procstat';

/**
 * The billing section of the benchmark, against a running billing process: Authorize latency
 * (the hot-path call, a real reservation each time), settlement throughput (usage.recorded
 * events on JetStream → settled rows in Postgres) and settlement lag under a steady load.
 * `npm run bench` calls billingBench() with its stack; `node dist/bench/billing-bench.js` runs
 * this section alone (its own billing process).
 */
type Billing = ServiceClient<typeof BillingService>;

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
// gpt-4o-mini prices ($0.15 / $0.60 per million tokens): a real, small reservation per call.
const ROUTE: MessageInitShape<typeof RouteSchema> = {
  provider: 'openai',
  nativeModel: 'gpt-4o-mini',
  adapter: 'openai-compatible',
  price: { promptPerMtok: 150_000n, completionPerMtok: 600_000n, cacheReadPerMtok: 75_000n, cacheWritePerMtok: 150_000n },
};

/** Gives a user (by email) a plan through billing, as an admin would (the bench key needs funds). */
export async function fundUser(o: { env: NodeJS.ProcessEnv; email: string; plan: string }): Promise<string> {
  const prisma = createPrisma({ url: o.env.DATABASE_URL!, poolSize: 1 });
  const billing = createClient(BillingService, o.env.BILLING_ADDR!, { defaultTimeoutMs: 10_000 });
  try {
    const user = await prisma.user.findUniqueOrThrow({ where: { email: o.email } });
    await billing.assignPlan({ userId: user.id, plan: o.plan, actorId: 'bench', reason: 'benchmark setup' });
    return user.id;
  } finally {
    billing.close();
    await prisma.$disconnect();
  }
}

async function benchUsers(prisma: PrismaClient, billing: Billing, n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const user = await prisma.user.create({ data: { email: `bench-billing-${randomBytes(6).toString('hex')}@gatewayz.local` } });
    await billing.assignPlan({ userId: user.id, plan: 'enterprise', actorId: 'bench', reason: 'benchmark setup' });
    ids.push(user.id);
  }
  return ids;
}

async function authorizeLatency(billing: Billing, users: string[], o: { calls: number; concurrency: number }): Promise<{ p50: number; p99: number; rps: number; ids: { id: string; userId: string }[] }> {
  const latencies: number[] = [];
  const ids: { id: string; userId: string }[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    while (next < o.calls) {
      const userId = users[next++ % users.length]!;
      const requestId = `bench-${randomUUID()}`;
      const t0 = performance.now();
      await billing.authorize({ requestId, userId, keyId: '', model: 'openai/gpt-4o-mini', routes: [ROUTE], promptTokens: 20, maxOutputTokens: 256 });
      latencies.push(performance.now() - t0);
      ids.push({ id: requestId, userId });
    }
  };
  await Promise.all(Array.from({ length: o.concurrency }, worker));
  const elapsed = performance.now() - started;
  latencies.sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99), rps: (o.calls * 1000) / elapsed, ids };
}

function usageEvent(requestId: string, userId: string, at: number) {
  return toJson(
    UsageRecordedSchema,
    create(UsageRecordedSchema, {
      requestId,
      userId,
      model: 'openai/gpt-4o-mini',
      provider: 'openai',
      nativeModel: 'gpt-4o-mini',
      status: RequestStatus.SUCCESS,
      usage: { inputTokens: 20, outputTokens: 120 },
      costMicros: 75n,
      durationMs: 300,
      occurredAtMs: BigInt(at),
    }),
  );
}

async function publishAll(bus: Bus, events: { id: string; userId: string }[], ratePerS?: number): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < events.length) {
      const i = next++;
      if (ratePerS) {
        const due = started + (i * 1000) / ratePerS;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const e = events[i]!;
      await bus.publish('usage.recorded', usageEvent(e.id, e.userId, Date.now()), { msgId: e.id });
    }
  };
  await Promise.all(Array.from({ length: ratePerS ? 32 : 256 }, worker));
  return performance.now() - started;
}

async function settledCount(prisma: PrismaClient, ids: string[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < ids.length; i += 5_000) n += await prisma.usageRecord.count({ where: { requestId: { in: ids.slice(i, i + 5_000) } } });
  return n;
}

/** Mean server-side duration of a gRPC method, from billing's Prometheus histogram. */
async function serverMeanMs(metricsUrl: string | undefined, method: string): Promise<{ sum: number; count: number }> {
  if (!metricsUrl) return { sum: NaN, count: NaN };
  const text = await (await fetch(metricsUrl)).text();
  const value = (name: string) => Number(new RegExp(`^${name}\\{[^}]*method="${method}"[^}]*\\} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return { sum: value('gatewayz_rpc_server_duration_seconds_sum'), count: value('gatewayz_rpc_server_duration_seconds_count') };
}

export async function billingBench(o: { env: NodeJS.ProcessEnv; billingPid?: number; metricsUrl?: string }): Promise<string[]> {
  const env = o.env;
  const prisma = createPrisma({ url: env.DATABASE_URL!, poolSize: 4 });
  const billing = createClient(BillingService, env.BILLING_ADDR!, { defaultTimeoutMs: 10_000 });
  const bus = await Bus.connect({ url: env.NATS_URL ?? 'nats://127.0.0.1:4222', name: 'bench-billing', namespace: env.GATEWAYZ_NAMESPACE!, logger: silentLogger() });
  try {
    const users = await benchUsers(prisma, billing, 20);
    const warm = await authorizeLatency(billing, users, { calls: 500, concurrency: 4 });
    const before = await serverMeanMs(o.metricsUrl, 'Authorize');
    const seq = await authorizeLatency(billing, users.slice(0, 1), { calls: 3_000, concurrency: 1 });
    const after = await serverMeanMs(o.metricsUrl, 'Authorize');
    const serverMs = ((after.sum - before.sum) * 1000) / (after.count - before.count);
    const conc = await authorizeLatency(billing, users.slice(0, 16), { calls: 3_000, concurrency: 16 });

    // Throughput: a backlog of events (the reservations above plus fresh ones, across 20
    // accounts) published while billing is paused (SIGSTOP), then drained once it resumes.
    const burst = [...warm.ids, ...seq.ids, ...conc.ids];
    for (let i = burst.length; i < 20_000; i++) burst.push({ id: `bench-${randomUUID()}`, userId: users[i % users.length]! });
    const pid = o.billingPid;
    if (pid) process.kill(pid, 'SIGSTOP');
    let publishMs: number;
    try {
      publishMs = await publishAll(bus, burst);
    } finally {
      if (pid) process.kill(pid, 'SIGCONT');
    }
    const cpu0 = pid ? cpuMicros(pid) : 0;
    const t0 = performance.now();
    await waitFor(async () => (await settledCount(prisma, burst.map((b) => b.id))) === burst.length, 120_000, 'settlement of the burst');
    const settleMs = performance.now() - t0;
    const cpuPerEvent = pid ? (cpuMicros(pid) - cpu0) / burst.length : NaN;

    // Lag under a steady load (below capacity): occurred_at → settled (the row's commit time).
    const rate = 1_000;
    const steady = Array.from({ length: rate * 5 }, (_, i) => ({ id: `bench-${randomUUID()}`, userId: users[i % users.length]! }));
    await publishAll(bus, steady, rate);
    await waitFor(async () => (await settledCount(prisma, steady.map((s) => s.id))) === steady.length, 60_000, 'settlement of the steady load');
    const lag = await prisma.$queryRaw<{ p50: number; p99: number; max: number }[]>`
      SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (created_at - occurred_at)) * 1000) AS p50,
             percentile_cont(0.99) WITHIN GROUP (ORDER BY EXTRACT(EPOCH FROM (created_at - occurred_at)) * 1000) AS p99,
             MAX(EXTRACT(EPOCH FROM (created_at - occurred_at)) * 1000)::float8 AS max
      FROM usage_records WHERE request_id = ANY(${steady.map((s) => s.id)}::text[])`;
    const throughput = (burst.length * 1000) / settleMs;
    return [
      '## Billing',
      '',
      `Measured against the billing process (gRPC on loopback, PostgreSQL, NATS JetStream) on ${machineDescription()}; each Authorize makes a real reservation, each event settles a real ledger row.`,
      '',
      '| measure | value | target |',
      '|---|---:|---:|',
      `| Authorize p50 / p99 (ms), sequential | ${fmt(seq.p50, 3)} / ${fmt(seq.p99, 3)} | p99 ≤ 1 |`,
      `| of which inside billing (mean ms: validation, pricing, the SQL statement) | ${fmt(serverMs, 3)} | |`,
      `| Authorize p50 / p99 (ms), 16 concurrent callers on 16 accounts | ${fmt(conc.p50, 3)} / ${fmt(conc.p99, 3)} | |`,
      `| Authorize calls/s, 16 concurrent callers | ${fmt(conc.rps, 0)} | |`,
      `| settlement throughput (events/s), backlog of ${burst.length.toLocaleString('en')} across ${users.length} accounts${pid ? '' : ' (billing not paused: bounded by publishing)'} | ${fmt(throughput, 0)} | ≥ 2,000 |`,
      `| publishing the backlog (events/s) | ${fmt((burst.length * 1000) / publishMs, 0)} | |`,
      `| billing CPU per settled event (µs) | ${fmt(cpuPerEvent, 0)} | |`,
      `| settlement lag p50 / p99 / max (ms) at ${rate.toLocaleString('en')} events/s for 5 s | ${fmt(lag[0]?.p50 ?? NaN, 1)} / ${fmt(lag[0]?.p99 ?? NaN, 1)} / ${fmt(lag[0]?.max ?? NaN, 1)} | |`,
      '',
    ];
  } finally {
    await bus.close();
    billing.close();
    await prisma.$disconnect();
  }
}

/** Standalone: this section only, with its own billing process. */
async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const namespace = `gwbench_billing_${process.pid}`;
  try {
    const [port, ops] = await Promise.all([freePort(), freePort()]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/gatewayz_bench',
      GATEWAYZ_NAMESPACE: namespace,
      BILLING_PORT: String(port),
      BILLING_METRICS_PORT: String(ops),
      BILLING_ADDR: `127.0.0.1:${port}`,
    };
    cli(['db', 'migrate'], env);
    const billing = startNode('dist/services/billing/main.js', env);
    children.push(billing);
    await waitFor(async () => (await fetch(`http://127.0.0.1:${ops}/health`)).ok, 30_000, 'billing');
    const lines = await billingBench({ env, billingPid: billing.pid, metricsUrl: `http://127.0.0.1:${ops}/metrics` });
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await stopAll(children);
    cleanupNamespace(namespace);
  }
}

// Only when this file is the entry point: bundled into main.js, `require.main === module` holds
// there too, and this section would run a second billing process beside the main benchmark.
if (require.main === module && path.basename(require.main.filename) === 'billing-bench.js') {
  main().catch((err: unknown) => {
    process.stderr.write(`billing bench: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  });
}
