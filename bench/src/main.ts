import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { benchPlansFile, identityBenchmark } from './identity-bench';
import { billingBench, fundUser } from './billing-bench';
import { runLoad, type LoadResult } from './load';
import { providersBench } from './providers-bench';
import { routingBench } from './routing-bench';
import { cpuMicros, machineDescription, peakRssMiB } from './procstat';
import { ROOT, cleanupNamespace, cli, firstJsonLine, freePort, startNode, stopAll, waitFor } from './processes';

/**
 * `npm run bench`: the gateway's overhead against a fixed-latency fake upstream, measured on the
 * real built services running as processes. Writes docs/benchmarks.md.
 */
const DURATION_MS = Number(process.env.BENCH_DURATION_MS ?? 8_000);
const LATENCY_MS = Number(process.env.BENCH_UPSTREAM_LATENCY_MS ?? 10);
const CONCURRENCY = [1, 16, 64];
const SERVICES = ['edge', 'routing', 'provider-proxy', 'billing'] as const;

const fmt = (n: number, d = 2) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  try {
    const upstream = startNode('dist/bench/upstream-server.js', { ...process.env, BENCH_UPSTREAM_LATENCY_MS: String(LATENCY_MS) });
    children.push(upstream);
    const { port: upstreamPort } = await firstJsonLine<{ port: number }>(upstream);

    const [edgePort, routingPort, proxyPort, routingOps, proxyOps, billingPort, billingOps] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort(), freePort()]);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DATABASE_URL: process.env.BENCH_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/gatewayz_bench',
      GATEWAYZ_NAMESPACE: `gwbench_${process.pid}`,
      API_KEY_HMAC_SECRET: randomBytes(32).toString('hex'),
      API_KEY_ENCRYPTION_KEYS: `${randomBytes(32).toString('base64url')}=`,
      OPENAI_API_KEY: 'sk-bench',
      OPENAI_BASE_URL: `http://127.0.0.1:${upstreamPort}`,
      PORT: String(edgePort),
      ROUTING_PORT: String(routingPort),
      ROUTING_METRICS_PORT: String(routingOps),
      PROVIDER_PROXY_PORT: String(proxyPort),
      PROVIDER_PROXY_METRICS_PORT: String(proxyOps),
      ROUTING_ADDR: `127.0.0.1:${routingPort}`,
      PROVIDER_PROXY_ADDR: `127.0.0.1:${proxyPort}`,
      PLANS_FILE: benchPlansFile(),
      BILLING_PORT: String(billingPort),
      BILLING_METRICS_PORT: String(billingOps),
      BILLING_ADDR: `127.0.0.1:${billingPort}`,
    };
    cli(['db', 'migrate'], env);
    cli(['db', 'seed'], env);
    const key = cli(['keys', 'create', '--email', 'bench@gatewayz.local', '--name', 'bench', '--quiet'], env);

    const procs: Record<string, ChildProcess> = {};
    for (const s of SERVICES) {
      procs[s] = startNode(`dist/services/${s}/main.js`, env);
      children.push(procs[s]);
    }
    const edge = `http://127.0.0.1:${edgePort}`;
    await waitFor(async () => (await fetch(`${edge}/health/quick`)).ok, 30_000, 'edge');
    await waitFor(async () => (await fetch(`${edge}/v1/models`)).ok, 30_000, 'routing');
    await waitFor(async () => (await fetch(`http://127.0.0.1:${billingOps}/health`)).ok, 30_000, 'billing');
    // The bench key's user pays like everyone else: give it a plan with room for the whole run.
    await fundUser({ env, email: 'bench@gatewayz.local', plan: 'enterprise' });

    const gatewayBody = (stream: boolean) =>
      JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short.' }], ...(stream ? { stream: true } : {}) });
    const directBody = (stream: boolean) =>
      JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short.' }], ...(stream ? { stream: true } : {}) });
    const gw = (o: { concurrency: number; durationMs: number; stream?: boolean; firstByte?: boolean }) =>
      runLoad({
        origin: edge,
        path: '/v1/chat/completions',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: gatewayBody(o.stream ?? false),
        concurrency: o.concurrency,
        durationMs: o.durationMs,
        measureFirstByte: o.firstByte,
      });
    const direct = (o: { concurrency: number; durationMs: number; stream?: boolean; firstByte?: boolean }) =>
      runLoad({
        origin: `http://127.0.0.1:${upstreamPort}`,
        path: '/chat/completions',
        headers: { authorization: 'Bearer sk-bench', 'content-type': 'application/json' },
        body: directBody(o.stream ?? false),
        concurrency: o.concurrency,
        durationMs: o.durationMs,
        measureFirstByte: o.firstByte,
      });

    // Warm-up: JIT, connection pools, caches.
    await direct({ concurrency: 16, durationMs: 2_000 });
    await gw({ concurrency: 16, durationMs: 3_000 });

    const rows: { c: number; direct: LoadResult; gateway: LoadResult; cpuPerReq: number; perService: number[] }[] = [];
    for (const c of CONCURRENCY) {
      const d = await direct({ concurrency: c, durationMs: DURATION_MS });
      const before = SERVICES.map((s) => cpuMicros(procs[s]!.pid!));
      const g = await gw({ concurrency: c, durationMs: DURATION_MS });
      const after = SERVICES.map((s) => cpuMicros(procs[s]!.pid!));
      const perService = after.map((v, i) => (v - before[i]!) / Math.max(1, g.requests));
      rows.push({ c, direct: d, gateway: g, cpuPerReq: perService.reduce((a, b) => a + b, 0), perService });
    }
    const ttfbDirect = await direct({ concurrency: 1, durationMs: DURATION_MS / 2, stream: true, firstByte: true });
    const ttfbGateway = await gw({ concurrency: 1, durationMs: DURATION_MS / 2, stream: true, firstByte: true });
    const streamCpuBefore = SERVICES.map((s) => cpuMicros(procs[s]!.pid!));
    const streamLoad = await gw({ concurrency: 16, durationMs: DURATION_MS / 2, stream: true });
    const streamCpu = SERVICES.map((s, i) => cpuMicros(procs[s]!.pid!) - streamCpuBefore[i]!).reduce((a, b) => a + b, 0);
    const rss = Object.fromEntries(SERVICES.map((s) => [s, peakRssMiB(procs[s]!.pid!)]));

    const totalErrors = rows.reduce((n, r) => n + r.gateway.errors + r.direct.errors, 0) + ttfbGateway.errors + streamLoad.errors;
    const lines = [
      '# Benchmarks',
      '',
      `Measured ${new Date().toISOString().slice(0, 10)} on ${machineDescription()}.`,
      `\`npm run bench\`: the built services as separate processes (edge → routing → provider-proxy over gRPC), one fake OpenAI-compatible upstream process with a fixed ${LATENCY_MS} ms latency, and a closed-loop load generator (undici, exact percentiles) in a fourth process — all on the same 2 cores, so throughput figures include the load generator's and the upstream's CPU.`,
      'Every gateway request is authenticated (API key, cached), resolved (routing.Resolve, cached in the edge), authorized (billing.Authorize reserves its maximum cost) and streamed back through provider-proxy; usage events go to JetStream and billing settles them.',
      'Where the time goes, and what was changed because of it: [performance.md](performance.md).',
      '',
      '## Non-streaming chat completions',
      '',
      '| concurrency | direct req/s | direct p50 ms | direct p99 ms | gateway req/s | gateway p50 ms | gateway p99 ms | added p50 ms | added p99 ms | errors |',
      '|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
      ...rows.map(
        (r) =>
          `| ${r.c} | ${fmt(r.direct.rps, 0)} | ${fmt(r.direct.p50)} | ${fmt(r.direct.p99)} | ${fmt(r.gateway.rps, 0)} | ${fmt(r.gateway.p50)} | ${fmt(r.gateway.p99)} | ${fmt(r.gateway.p50 - r.direct.p50)} | ${fmt(r.gateway.p99 - r.direct.p99)} | ${r.gateway.errors + r.direct.errors} |`,
      ),
      '',
      'CPU time per request (user + system, from /proc), by gateway process:',
      '',
      `| concurrency | ${SERVICES.join(' µs | ')} µs | total µs |`,
      `|---:|${SERVICES.map(() => '---:').join('|')}|---:|`,
      ...rows.map((r) => `| ${r.c} | ${r.perService.map((v) => fmt(v, 0)).join(' | ')} | ${fmt(r.cpuPerReq, 0)} |`),
      '',
      '## Streaming',
      '',
      '| measure | direct | gateway | added |',
      '|---|---:|---:|---:|',
      `| time to first byte p50 (ms), concurrency 1 | ${fmt(ttfbDirect.p50)} | ${fmt(ttfbGateway.p50)} | ${fmt(ttfbGateway.p50 - ttfbDirect.p50)} |`,
      `| time to first byte p99 (ms), concurrency 1 | ${fmt(ttfbDirect.p99)} | ${fmt(ttfbGateway.p99)} | ${fmt(ttfbGateway.p99 - ttfbDirect.p99)} |`,
      `| gateway CPU per streamed request (µs, 22 chunks, concurrency 16) | | ${fmt(streamCpu / Math.max(1, streamLoad.requests), 0)} | |`,
      '',
      ...(await providersBench()),
      '## Memory',
      '',
      '| service | peak RSS (MiB) |',
      '|---|---:|',
      ...SERVICES.map((s) => `| ${s} | ${fmt(rss[s]!, 1)} |`),
      '',
      ...(await identityBenchmark({ databaseUrl: env.DATABASE_URL!, redisUrl: env.REDIS_URL ?? 'redis://127.0.0.1:6379', namespace: `gwbench_${process.pid}` })),
      `Errors across all runs: ${totalErrors}.`,
      '',
      ...(await routingBench()),
      ...(await billingBench({ env, billingPid: procs.billing!.pid, metricsUrl: `http://127.0.0.1:${billingOps}/metrics` })),
    ];
    const report = lines.join('\n');
    process.stdout.write(`${report}\n`);
    writeFileSync(path.join(ROOT, 'docs/benchmarks.md'), report);
    if (totalErrors > 0) process.exitCode = 1;
  } finally {
    await stopAll(children);
    cleanupNamespace(`gwbench_${process.pid}`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
