import { create } from '@bufbuild/protobuf';
import { Metadata } from '@grpc/grpc-js';
import { BreakerBoard, CircuitBreakers } from '@gatewayz/breakers';
import { CatalogIndex, type ModelRow, type PriceRow, type ProviderRow } from '@gatewayz/catalog';
import { silentLogger } from '@gatewayz/logger';
import { createRegistry, upstreamMetrics } from '@gatewayz/metrics';
import { ChatRequestSchema, ResolveRequestSchema, RouteSchema, RoutingService, type Route } from '@gatewayz/proto';
import { ProviderDirectory, createAdapters } from '@gatewayz/providers';
import { CodeRouter, GeneralRouter, Priors, RoutingRules } from '@gatewayz/routing';
import { addService, createClient, createServer, listen, type CallContext } from '@gatewayz/rpc';
import { fakeOpenAI } from '@gatewayz/testing';
import { chatServiceImpl } from '../../services/provider-proxy/src/chat.service';
import { HealthObserver } from '../../services/provider-proxy/src/health-observer';
import { LiveState } from '../../services/routing/src/live-state';
import { RoutingEngine } from '../../services/routing/src/routing-engine';
import { routingServiceImpl } from '../../services/routing/src/routing.service';
import { ResolveCache } from '../../services/edge/src/routing/resolve-cache';
import { resolveQueryFor } from '../../services/edge/src/routing/resolve-query';

/**
 * Routing's share of `npm run bench` (docs/benchmarks.md "Routing and failover"), in this
 * process, no database: (1) what failing over adds beyond the failed attempt's own time, through
 * provider-proxy's real chain walk against two local fake upstreams; (2) Resolve latency with a
 * 10,000-model catalog: the in-process pipeline (routing's work per call) and the gRPC call.
 */
const fmt = (n: number, d = 3) => (Number.isFinite(n) ? n.toFixed(d) : 'n/a');
const ROUNDS = 500;

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function failoverOverhead(iterations: number): Promise<{ fail: number[]; ok: number[]; both: number[] }> {
  const failing = await fakeOpenAI();
  const healthy = await fakeOpenAI();
  failing.setDefault({ kind: 'status', status: 503 });
  const env = { GROQ_API_KEY: 'sk-a', TOGETHER_API_KEY: 'sk-b', GROQ_BASE_URL: failing.url, TOGETHER_BASE_URL: healthy.url };
  const { adapters, transport } = createAdapters({
    transport: { connectTimeoutMs: 5_000, headersTimeoutMs: 5_000, idleTimeoutMs: 5_000 },
    sim: { firstTokenMs: 0, interChunkMs: 0 },
    hooks: { onUnrecognized: () => undefined },
  });
  const health = new HealthObserver(() => undefined);
  // The breaker is consulted on every attempt, as in production; it never opens here.
  const breakers = new CircuitBreakers({ policy: { failureThreshold: 1e9, cooldownMs: 60_000, halfOpenMaxProbes: 1, successThreshold: 1 }, namespace: 'bench' });
  const chat = chatServiceImpl({
    adapters,
    directory: new ProviderDirectory(env),
    logger: silentLogger(),
    metrics: upstreamMetrics(createRegistry('bench')),
    health,
    breakers,
    rateLimitRetries: 0,
    rateLimitMaxWaitMs: 0,
  });
  const route = (provider: string): Route => create(RouteSchema, { provider, nativeModel: 'm', adapter: 'openai-compatible', model: 'meta-llama/m' });
  const body = Buffer.from(JSON.stringify({ model: 'meta-llama/m', messages: [{ role: 'user', content: 'hi' }] }));
  const ctx = (): CallContext => ({ requestId: 'bench', signal: new AbortController().signal, deadline: Infinity, metadata: new Metadata() });
  const run = async (chain: Route[]): Promise<number> => {
    const started = performance.now();
    try {
      for await (const _ of chat.chat(create(ChatRequestSchema, { requestId: 'bench', body, model: 'meta-llama/m', chain }), ctx())) void _;
    } catch {
      // The failing-alone case ends in an error: its time is what we want.
    }
    return performance.now() - started;
  };
  const out = { fail: [] as number[], ok: [] as number[], both: [] as number[] };
  const cases: [keyof typeof out, Route[]][] = [
    ['fail', [route('groq')]],
    ['ok', [route('together')]],
    ['both', [route('groq'), route('together')]],
  ];
  for (let i = 0; i < iterations + 50; i++) {
    // Rotate the order so drift (GC, JIT, neighbours) hits every case alike; drop the warm-up.
    for (let k = 0; k < 3; k++) {
      const [name, chain] = cases[(i + k) % 3]!;
      const t = await run(chain);
      if (i >= 50) out[name].push(t);
    }
  }
  health.close();
  breakers.close();
  await transport.close();
  await failing.close();
  await healthy.close();
  return out;
}

/** A catalog of `size` models: open-weight ones at three providers, OpenAI ones at two. */
function bigCatalog(size: number): { index: CatalogIndex; ids: string[] } {
  const providers: ProviderRow[] = ['openai', 'groq', 'together', 'openrouter'].map((slug, i) => ({
    slug,
    name: slug,
    adapter: 'openai-compatible',
    baseUrl: `http://${slug}`,
    priority: i * 10,
    isActive: true,
  }));
  const models: ModelRow[] = [];
  const prices: PriceRow[] = [];
  const price = (modelId: string, providerSlug: string, n: number): PriceRow => ({
    modelId,
    providerSlug,
    nativeModelId: `${providerSlug}-${n}`,
    promptPerMtok: BigInt(100_000 + n),
    completionPerMtok: BigInt(300_000 + n),
    cacheReadPerMtok: null,
    cacheWritePerMtok: null,
    perRequest: null,
    perImage: null,
        perAudioSecond: null,
        perMillionChars: null,
    isActive: true,
  });
  for (let n = 0; n < size; n++) {
    const id = n % 10 === 0 ? `openai/model-${n}` : `org-${n % 97}/model-${n}`;
    models.push({ id, name: id, ownedBy: 'x', contextLength: 128_000, maxOutputTokens: 8_192, simulated: false, modality: 'text->text', isActive: true, createdAt: new Date(0) });
    const slugs = n % 10 === 0 ? ['openai', 'openrouter'] : ['groq', 'together', 'openrouter'];
    for (const s of slugs) prices.push(price(id, s, n));
  }
  const aliases = Object.fromEntries(models.slice(0, 1_000).map((m, i) => [`alias-${i}`, m.id]));
  return { index: new CatalogIndex({ providers, models, prices, aliases }, () => true), ids: models.map((m) => m.id) };
}

async function resolveLatency(): Promise<{ inProcess: number[]; grpc: number[]; cached: number[]; size: number }> {
  const { index, ids } = bigCatalog(10_000);
  const rules = RoutingRules.load();
  const live = new LiveState(new BreakerBoard(undefined, 'bench'), { windowMs: 300_000, minSamples: 5, promotionThreshold: 70 });
  const priors = Priors.load();
  const store = { current: index };
  const engine = new RoutingEngine({ store, rules, live, splits: { get: () => undefined }, priors, general: GeneralRouter.load(priors), code: CodeRouter.load(priors) });
  const names = Array.from({ length: 4_096 }, (_, i) => (i % 4 === 0 ? `alias-${i % 1_000}` : ids[(i * 7_919) % ids.length]!));
  const requests = names.map((model) => create(ResolveRequestSchema, { model }));
  for (let i = 0; i < 20_000; i++) engine.resolve(requests[i % requests.length]!);
  const inProcess: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const t = performance.now();
    engine.resolve(requests[i % requests.length]!);
    inProcess.push(performance.now() - t);
  }

  const server = createServer();
  addService(server, RoutingService, routingServiceImpl(store, engine), { logger: silentLogger() });
  const running = await listen(server, '127.0.0.1:0');
  const client = createClient(RoutingService, `127.0.0.1:${running.port}`, { defaultTimeoutMs: 5_000 });
  for (let i = 0; i < 500; i++) await client.resolve({ model: names[i % names.length]! });
  const grpc: number[] = [];
  for (let i = 0; i < 3_000; i++) {
    const t = performance.now();
    await client.resolve({ model: names[i % names.length]! });
    grpc.push(performance.now() - t);
  }
  // The edge's hot path: its Resolve cache in front of that gRPC call (hits after the first).
  const cache = new ResolveCache(client, { ttlMs: 60_000, maxEntries: 10_000, timeoutMs: 5_000 });
  const bodies = names.map((model) => ({ model, messages: [{ role: 'user' as const, content: 'hi' }] }));
  for (const b of bodies) await cache.resolve(resolveQueryFor(b), 'bench');
  const cached: number[] = [];
  for (let i = 0; i < 100_000; i++) {
    const t = performance.now();
    await cache.resolve(resolveQueryFor(bodies[i % bodies.length]!), 'bench');
    cached.push(performance.now() - t);
  }
  client.close();
  await running.close(100);
  return { inProcess, grpc, cached, size: index.size };
}

/** The markdown section; bench/src/main.ts appends it to docs/benchmarks.md. */
export async function routingBench(): Promise<string[]> {
  const f = await failoverOverhead(ROUNDS);
  // Per round (the three cases back to back), so machine noise largely cancels out.
  const added = f.both.map((both, i) => both - f.fail[i]! - f.ok[i]!);
  const r = await resolveLatency();
  return [
    '## Routing and failover',
    '',
    `In the bench process, no database (\`bench/src/routing-bench.ts\`). **Failover**: provider-proxy\'s chain walk (breaker check, adapter, HTTP) against two local fake upstreams, one answering 503 at once, one answering normally; ${ROUNDS} rounds, each running the three cases back to back in rotating order. The added time is, per round, what failing over costs beyond the failed attempt\'s own time and the successful attempt\'s own time.`,
    '',
    '| measure | p50 ms | p90 ms |',
    '|---|---:|---:|',
    `| failing attempt alone (503) | ${fmt(percentile(f.fail, 50))} | ${fmt(percentile(f.fail, 90))} |`,
    `| successful attempt alone | ${fmt(percentile(f.ok, 50))} | ${fmt(percentile(f.ok, 90))} |`,
    `| 503 then failover to the second provider | ${fmt(percentile(f.both, 50))} | ${fmt(percentile(f.both, 90))} |`,
    `| **added by failing over**, per round (target ≤ 2 ms) | **${fmt(percentile(added, 50))}** | ${fmt(percentile(added, 90))} |`,
    '',
    `**Resolve** with a ${r.size.toLocaleString('en-US')}-model catalog (aliases, family rules, health, breakers; a quarter of the names are aliases):`,
    '',
    '| path | calls | p50 ms | p99 ms | max ms |',
    '|---|---:|---:|---:|---:|',
    `| in process: RoutingEngine.resolve (routing's work per call; target p99 ≤ 0.5 ms) | ${r.inProcess.length.toLocaleString('en-US')} | ${fmt(percentile(r.inProcess, 50), 4)} | ${fmt(percentile(r.inProcess, 99), 4)} | ${fmt(Math.max(...r.inProcess))} |`,
    `| gRPC routing.Resolve, sequential, client and server in this process | ${r.grpc.length.toLocaleString('en-US')} | ${fmt(percentile(r.grpc, 50))} | ${fmt(percentile(r.grpc, 99))} | ${fmt(Math.max(...r.grpc))} |`,
    `| the edge's hot path: its Resolve cache (key built per request) in front of that call | ${r.cached.length.toLocaleString('en-US')} | ${fmt(percentile(r.cached, 50), 4)} | ${fmt(percentile(r.cached, 99), 4)} | ${fmt(Math.max(...r.cached))} |`,
    '',
    'The edge answers most Resolves from its cache (RESOLVE_CACHE_TTL_MS, cleared over NATS on catalog, breaker, split and health changes), so the gRPC call is paid once per model, preferences and change, not per request.',
    '',
  ];
}
