import { setTimeout as sleep } from 'node:timers/promises';
import { createServer } from 'node:net';
import OpenAI from 'openai';
import { startStack, type TestStack } from './support/stack';

/** /health, /health/quick and /metrics on edge, and the ops ports of routing and provider-proxy. */
const DEPENDENCIES = ['postgres', 'redis', 'nats', 'routing', 'provider_proxy', 'billing'] as const;

interface Health {
  status: string;
  version: string;
  timestamp: string;
  uptime_seconds: number;
  dependencies: Record<string, { status: 'up' | 'down'; latency_ms: number; error?: string }>;
}

async function getJson<T>(url: string): Promise<{ status: number; contentType: string; body: T }> {
  const res = await fetch(url);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: (await res.json()) as T };
}

async function getText(url: string): Promise<{ status: number; contentType: string; text: string }> {
  const res = await fetch(url);
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text: await res.text() };
}

/** /health caches its checks ~2 s and NATS connects in the background: wait until `want`. */
async function healthUntil(url: string, want: (h: Health) => boolean, timeoutMs = 6_000): Promise<{ status: number; body: Health }> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const r = await getJson<Health>(`${url}/health`);
    if (want(r.body) || Date.now() > until) return r;
    await sleep(250);
  }
}

/** A loopback port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('health and metrics', () => {
  let stack: TestStack;
  let key: string;

  beforeAll(async () => {
    stack = await startStack();
    ({ key } = await stack.createKey());
  });

  afterAll(async () => {
    await stack.close();
  });

  it('/health is 200 with every dependency up', async () => {
    const { status, body } = await healthUntil(stack.url, (h) => h.status === 'ok');
    expect(status).toBe(200);
    expect(body.status).toBe('ok');
    expect(typeof body.version).toBe('string');
    expect(body.version.length).toBeGreaterThan(0);
    expect(Number.isNaN(Date.parse(body.timestamp))).toBe(false);
    expect(Math.abs(Date.parse(body.timestamp) - Date.now())).toBeLessThan(10_000);
    expect(Object.keys(body.dependencies).sort()).toEqual([...DEPENDENCIES].sort());
    for (const dep of DEPENDENCIES) {
      expect(body.dependencies[dep]).toMatchObject({ status: 'up' });
      expect(body.dependencies[dep]!.latency_ms).toBeGreaterThanOrEqual(0);
    }
  });

  it('/health/quick is 200 {status: ok}', async () => {
    const r = await getJson<{ status: string }>(`${stack.url}/health/quick`);
    expect(r.status).toBe(200);
    expect(r.contentType).toMatch(/^application\/json/);
    expect(r.body).toEqual({ status: 'ok' });
  });

  it('/metrics on edge is Prometheus text with HTTP and, after a sim request, inference counters', async () => {
    const client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
    const res = await client.chat.completions.create({ model: 'sim/echo', messages: [{ role: 'user', content: 'count me' }] });
    expect(res.choices[0]?.message.content).toBe('count me');

    const m = await getText(`${stack.url}/metrics`);
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain/);
    expect(m.text).toContain('# TYPE gatewayz_http_requests_total counter');
    expect(m.text).toMatch(/^gatewayz_http_requests_total\{[^}]*route="\/v1\/chat\/completions"[^}]*status="200"[^}]*\} [1-9]/m);
    expect(m.text).toContain('# TYPE gatewayz_inference_requests_total counter');
    const inference = m.text.split('\n').find((l) => l.startsWith('gatewayz_inference_requests_total{') && l.includes('model="sim/echo"'));
    expect(inference).toBeDefined();
    expect(inference).toContain('provider="sim"');
    expect(inference).toContain('outcome="success"');
    expect(Number(inference!.split(' ').at(-1))).toBeGreaterThanOrEqual(1);
    expect(m.text).toMatch(/^gatewayz_tokens_total\{[^}]*model="sim\/echo"[^}]*\} [1-9]/m);
    // Default Node metrics and the service label.
    expect(m.text).toContain('process_cpu_user_seconds_total');
    expect(m.text).toContain('service="edge"');
  });

  it('routing serves /metrics and /health on its metrics port', async () => {
    const base = `http://127.0.0.1:${stack.routing.metricsPort}`;
    const m = await getText(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain/);
    expect(m.text).toContain('service="routing"');
    expect(m.text).toMatch(/^gatewayz_rpc_server_handled_total\{[^}]*method="Resolve"[^}]*code="OK"[^}]*\} [1-9]/m);
    const h = await getJson<{ status: string; service: string; models: number }>(`${base}/health`);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', service: 'routing' });
    expect(h.body.models).toBeGreaterThan(0);
    expect((await getJson<{ status: string }>(`${base}/health/quick`)).body).toEqual({ status: 'ok' });
  });

  it('provider-proxy serves /metrics and /health on its metrics port', async () => {
    const base = `http://127.0.0.1:${stack.proxy.metricsPort}`;
    const m = await getText(`${base}/metrics`);
    expect(m.status).toBe(200);
    expect(m.contentType).toMatch(/^text\/plain/);
    expect(m.text).toContain('service="provider-proxy"');
    expect(m.text).toMatch(/^gatewayz_rpc_server_handled_total\{[^}]*method="Chat"[^}]*\} [1-9]/m);
    const h = await getJson<{ status: string; service: string }>(`${base}/health`);
    expect(h.status).toBe(200);
    expect(h.body).toMatchObject({ status: 'ok', service: 'provider-proxy' });
    expect((await getText(`${base}/nope`)).status).toBe(404);
  });

  describe('with Redis down', () => {
    let degraded: TestStack;

    beforeAll(async () => {
      degraded = await startStack({ env: { REDIS_URL: `redis://127.0.0.1:${await closedPort()}` } });
    });

    afterAll(async () => {
      await degraded.close();
    });

    it('/health stays 200 and says degraded, redis down, the rest up', async () => {
      const { status, body } = await healthUntil(degraded.url, (h) => h.dependencies.nats?.status === 'up');
      expect(status).toBe(200);
      expect(body.status).toBe('degraded');
      expect(body.dependencies.redis!.status).toBe('down');
      expect(typeof body.dependencies.redis!.error).toBe('string');
      expect(body.dependencies.redis!.latency_ms).toBeLessThan(1_000);
      for (const dep of DEPENDENCIES.filter((d) => d !== 'redis')) expect(body.dependencies[dep]!.status).toBe('up');
      // Nothing internal leaks through the error text.
      expect(JSON.stringify(body)).not.toMatch(/node_modules|\/work\/|\.ts:\d/);
    });

    it('a sim/echo request still succeeds (auth falls back to Postgres), quickly', async () => {
      const { key: k } = await degraded.createKey();
      const client = new OpenAI({ apiKey: k, baseURL: degraded.baseURL, maxRetries: 0 });
      const t0 = Date.now();
      const res = await client.chat.completions.create({ model: 'sim/echo', messages: [{ role: 'user', content: 'no redis needed' }] });
      expect(res.choices[0]?.message.content).toBe('no redis needed');
      const again = await client.chat.completions.create({ model: 'sim/echo', messages: [{ role: 'user', content: 'still fine' }] });
      expect(again.choices[0]?.message.content).toBe('still fine');
      expect(Date.now() - t0).toBeLessThan(3_000);
      // A bad key is still refused without Redis.
      const bad = await fetch(`${degraded.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer gw_live_${'A'.repeat(43)}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim/echo', messages: [{ role: 'user', content: 'x' }] }),
      });
      expect(bad.status).toBe(401);
    });
  });
});
