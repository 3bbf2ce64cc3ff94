import { setTimeout as sleep } from 'node:timers/promises';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import type { HealthObservation } from '@gatewayz/routing';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/**
 * Dynamic selection from passive observations (AC-2.6, AC-2.7, gaps 2.7/2.8): provider-proxy's
 * health.observation batches feed routing's per provider+model stats, which promote a healthier
 * provider and order chains for sort=latency|throughput (and :nitro).
 */
const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
const NAMESPACE = `${process.env.GATEWAYZ_NAMESPACE}:health-routing`;

describe('health-weighted and latency-aware routing', () => {
  let stack: TestStack;
  let bus: Bus;
  let key: string;
  const fakes: Record<string, FakeUpstream> = {};

  beforeAll(async () => {
    const env: Record<string, string> = {
      GATEWAYZ_NAMESPACE: NAMESPACE,
      ROUTING_PROMOTION_THRESHOLD: '70',
      ROUTING_HEALTH_MIN_SAMPLES: '5',
    };
    for (const slug of ['groq', 'together', 'openrouter']) {
      fakes[slug] = await fakeOpenAI();
      env[`${slug.toUpperCase()}_API_KEY`] = `sk-${slug}`;
      env[`${slug.toUpperCase()}_BASE_URL`] = fakes[slug]!.url;
    }
    stack = await startStack({ env });
    bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'health-routing-test', namespace: NAMESPACE, logger: silentLogger() });
    ({ key } = await stack.createKey());
  });

  afterAll(async () => {
    await stack.close();
    await bus.close();
    for (const f of Object.values(fakes)) await f.close();
  });

  const chat = async (model: string, extra: object = {}) => {
    const res = await fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { provider: string }).provider;
  };
  /** Which provider is tried first right now (the first upstream request of one chat). */
  const firstTried = async (model: string, extra: object = {}) => {
    for (const f of Object.values(fakes)) f.requests.length = 0;
    await chat(model, extra);
    return Object.entries(fakes)
      .flatMap(([slug, f]) => f.requests.map((r) => ({ slug, at: r.at })))
      .sort((a, b) => a.at - b.at)[0]!.slug;
  };
  const observe = (provider: string, n: number, o: Partial<HealthObservation>) =>
    Array.from({ length: n }, () => ({ provider, model: LLAMA, status: 200, duration_ms: 1_000, ttft_ms: 100, output_tokens: 100, at: Date.now(), ...o }));
  async function until(what: string, check: () => Promise<boolean>, ms = 5_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(50);
    }
  }

  it('promotes a healthier provider when the primary\'s live score drops below the threshold (AC-2.6.1)', async () => {
    expect(await firstTried(LLAMA)).toBe('groq');
    // Real traffic: groq fails, every request fails over to together; provider-proxy reports it.
    fakes.groq!.setDefault({ kind: 'status', status: 503 });
    for (let i = 0; i < 6; i++) expect(await chat(LLAMA)).toBe('together');
    await until('routing to promote together', async () => (await firstTried(LLAMA)) === 'together');
    // Binary, not weighted: every request now starts with together (AC-2.6.2).
    for (let i = 0; i < 5; i++) expect(await firstTried(LLAMA)).toBe('together');
    fakes.groq!.setDefault({ kind: 'reply' });
  });

  it('returns to the primary once its score recovers', async () => {
    bus.publishCore('health.observation', { observations: observe('groq', 60, {}) });
    await until('groq back first', async () => (await firstTried(LLAMA)) === 'groq');
  });

  it('sort=latency orders by live p50 time to first token; sort=throughput by tokens per second (AC-2.7.1)', async () => {
    // A full window (routing keeps the last 100 per provider+model) of fresh measurements.
    bus.publishCore('health.observation', {
      observations: [
        ...observe('groq', 200, { ttft_ms: 400, duration_ms: 600, output_tokens: 200 }), // 1,000 tok/s
        ...observe('together', 200, { ttft_ms: 60, duration_ms: 2_060, output_tokens: 200 }), // 100 tok/s
        ...observe('openrouter', 200, { ttft_ms: 150, duration_ms: 1_150, output_tokens: 200 }), // 200 tok/s
      ],
    });
    await until('together first by latency', async () => (await firstTried(LLAMA, { provider: { sort: 'latency' } })) === 'together');
    expect(await firstTried(LLAMA, { provider: { sort: 'throughput' } })).toBe('groq');
    expect(await firstTried(`${LLAMA}:nitro`)).toBe('groq');
    // The default order is untouched by latency: groq is healthy and first by priority.
    expect(await firstTried(LLAMA)).toBe('groq');
  });

  it('sort=price picks the cheapest provider for the same model (AC-2.8.1)', async () => {
    // Seed prices per million (prompt/completion): groq 0.59/0.79, together 0.88/0.88, openrouter 0.13/0.40.
    expect(await firstTried(LLAMA, { provider: { sort: 'price' } })).toBe('openrouter');
  });
});
