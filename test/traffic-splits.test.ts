import { RoutingService } from '@gatewayz/proto';
import { createClient } from '@gatewayz/rpc';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { planRequestChain } from '../services/edge/src/inference/inference.service';
import { startStack, type TestStack } from './support/stack';

/**
 * Traffic splits (AC-2.9.1): admin-configured weights per model across its providers, drawn per
 * request after the edge's Resolve cache, sticky per conversation when asked.
 */
const MODEL = 'openai/gpt-4o';

interface SplitJson {
  model: string;
  weights: Record<string, number>;
  shares: Record<string, number>;
  sticky: boolean;
  updated_by: string | null;
  updated_at: string | null;
}

describe('traffic splits', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let openrouter: FakeUpstream;
  let admin: { key: string; userId: string };
  let user: string;

  beforeAll(async () => {
    openai = await fakeOpenAI();
    openrouter = await fakeOpenAI();
    stack = await startStack({
      env: {
        GATEWAYZ_NAMESPACE: `${process.env.GATEWAYZ_NAMESPACE}:splits`,
        OPENAI_API_KEY: 'sk-openai',
        OPENAI_BASE_URL: openai.url,
        OPENROUTER_API_KEY: 'sk-openrouter',
        OPENROUTER_BASE_URL: openrouter.url,
      },
    });
    admin = await stack.createKey({ role: 'admin' });
    ({ key: user } = await stack.createKey());
  });

  afterAll(async () => {
    await stack.close();
    await openai.close();
    await openrouter.close();
  });

  beforeEach(() => {
    openai.reset();
    openrouter.reset();
  });

  const api = (method: string, path: string, body?: object, key = admin.key) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body ? JSON.stringify(body) : undefined,
    });
  const chat = (content: string, system = 'You are terse.') =>
    fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: MODEL, messages: [{ role: 'system', content: system }, { role: 'user', content }] }),
    }).then(async (r) => {
      expect(r.status).toBe(200);
      return ((await r.json()) as { provider: string }).provider;
    });

  it('is managed by admins only', async () => {
    expect((await fetch(`${stack.url}/admin/traffic-splits`)).status).toBe(401);
    expect((await api('GET', '/admin/traffic-splits', undefined, user)).status).toBe(403);
    expect((await api('PUT', `/admin/traffic-splits/${MODEL}`, { weights: { openai: 1 } }, user)).status).toBe(403);
  });

  it('validates splits: the model, its providers, the weights', async () => {
    const cases: [string, object, number, string | null][] = [
      ['no/such-model', { weights: { openai: 1 } }, 404, 'model'],
      [MODEL, { weights: { groq: 50 } }, 400, 'weights.groq'],
      [MODEL, { weights: { openai: 0 } }, 400, 'weights.openai'],
      [MODEL, { weights: {} }, 400, 'weights'],
      [MODEL, { weights: { openai: 1 }, extra: true }, 400, null],
    ];
    for (const [model, body, status, param] of cases) {
      const res = await api('PUT', `/admin/traffic-splits/${model}`, body);
      expect(res.status).toBe(status);
      const err = ((await res.json()) as { error: { param: string | null } }).error;
      if (param) expect(err.param).toBe(param);
    }
    expect(((await (await api('GET', '/admin/traffic-splits')).json()) as { data: SplitJson[] }).data).toEqual([]);
  });

  it('stores a split under the canonical id (any alias works) and shows it', async () => {
    const res = await api('PUT', '/admin/traffic-splits/gpt-4o', { weights: { openai: 70, openrouter: 30 } });
    expect(res.status).toBe(200);
    const split = (await res.json()) as SplitJson;
    expect(split).toMatchObject({ model: MODEL, weights: { openai: 70, openrouter: 30 }, shares: { openai: 0.7, openrouter: 0.3 }, sticky: false, updated_by: admin.userId });
    expect(Date.parse(split.updated_at!)).toBeGreaterThan(Date.now() - 60_000);
    expect((await (await api('GET', `/admin/traffic-splits/${MODEL}`)).json()) as SplitJson).toMatchObject({ model: MODEL, weights: { openai: 70, openrouter: 30 } });
    expect(((await (await api('GET', '/admin/traffic-splits')).json()) as { data: SplitJson[] }).data.map((s) => s.model)).toEqual([MODEL]);
  });

  it('honours 70/30 within ±5% over 1,000 draws of the edge\'s per-request planner, on routing\'s real answer', async () => {
    const routing = createClient(RoutingService, `127.0.0.1:${stack.routing.port}`, { defaultTimeoutMs: 2_000 });
    const resolved = await routing.resolve({ model: MODEL });
    routing.close();
    expect(resolved.chain.map((r) => [r.provider, r.splitWeight])).toEqual([
      ['openai', 70],
      ['openrouter', 30],
    ]);
    let openaiFirst = 0;
    for (let i = 0; i < 1_000; i++) {
      const request = { model: MODEL, messages: [{ role: 'user' as const, content: `request ${i}` }] };
      if (planRequestChain(resolved, request, 'user')[0]!.provider === 'openai') openaiFirst++;
    }
    expect(openaiFirst).toBeGreaterThanOrEqual(650);
    expect(openaiFirst).toBeLessThanOrEqual(750);
  });

  it('draws per request through the API, after the edge\'s Resolve cache (both providers serve)', async () => {
    const counts: Record<string, number> = {};
    for (let batch = 0; batch < 5; batch++) {
      const served = await Promise.all(Array.from({ length: 20 }, (_, i) => chat(`request ${batch}-${i}`)));
      for (const p of served) counts[p] = (counts[p] ?? 0) + 1;
    }
    // 100 draws at 70%: 50-90 is more than four standard deviations either side.
    expect(counts.openai! + counts.openrouter!).toBe(100);
    expect(counts.openai!).toBeGreaterThanOrEqual(50);
    expect(counts.openai!).toBeLessThanOrEqual(90);
  }, 30_000);

  it('routes one conversation to one provider when sticky, whatever its later turns', async () => {
    await api('PUT', `/admin/traffic-splits/${MODEL}`, { weights: { openai: 50, openrouter: 50 }, sticky: true });
    const opening = 'Plan a three-day trip to Rome.';
    const firstTurns = new Set<string>();
    for (let i = 0; i < 10; i++) firstTurns.add(await chat(opening));
    expect(firstTurns.size).toBe(1);
    const others = new Set(await Promise.all(Array.from({ length: 20 }, (_, i) => chat(`A different conversation ${i}`))));
    expect(others).toEqual(new Set(['openai', 'openrouter']));
  }, 30_000);

  it('failover still works under a split: the drawn provider failing moves to the other', async () => {
    await api('PUT', `/admin/traffic-splits/${MODEL}`, { weights: { openrouter: 1000 } });
    openrouter.setDefault({ kind: 'status', status: 503 });
    expect(await chat('hello')).toBe('openai');
    expect(openrouter.requests).toHaveLength(1);
  });

  it('is removed by DELETE (then 404)', async () => {
    expect((await api('DELETE', `/admin/traffic-splits/${MODEL}`)).status).toBe(200);
    expect((await api('DELETE', `/admin/traffic-splits/${MODEL}`)).status).toBe(404);
    expect((await api('GET', `/admin/traffic-splits/${MODEL}`)).status).toBe(404);
    const served = new Set<string>();
    for (let i = 0; i < 10; i++) served.add(await chat(`after ${i}`));
    expect(served).toEqual(new Set(['openai']));
  });
});
