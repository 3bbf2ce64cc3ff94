import { setTimeout as sleep } from 'node:timers/promises';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import { RoutingService } from '@gatewayz/proto';
import { createClient } from '@gatewayz/rpc';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/**
 * Circuit breakers end to end (AC-2.4.8, AC-2.5, CM-5.3): provider-proxy counts failures per
 * provider and per provider+model (Redis), routing leaves OPEN providers out of chains, the edge
 * serves the state. Short cool-down (BREAKER_COOLDOWN_MS) so the whole cycle runs in seconds.
 */
const COOLDOWN_MS = 700;
const NAMESPACE = `${process.env.GATEWAYZ_NAMESPACE}:breakers`;
const GPT = 'openai/gpt-4o';
const LLAMA = 'meta-llama/llama-3.3-70b-instruct';
const SMALL_LLAMA = 'meta-llama/llama-3.1-8b-instruct';

interface BreakerJson {
  provider: string;
  model: string | null;
  state: string;
  consecutive_failures: number;
  retry_at: string | null;
  models?: BreakerJson[];
}

describe('circuit breakers', () => {
  let stack: TestStack;
  const fakes: Record<string, FakeUpstream> = {};
  let userKey: string;
  let adminKey: string;
  let bus: Bus;
  const transitions: { provider: string; model: string; from: string; to: string }[] = [];

  beforeAll(async () => {
    const env: Record<string, string> = {
      GATEWAYZ_NAMESPACE: NAMESPACE,
      BREAKER_FAILURE_THRESHOLD: '5',
      BREAKER_COOLDOWN_MS: String(COOLDOWN_MS),
      BREAKER_SYNC_MS: '200',
      ROUTING_BREAKER_SYNC_MS: '200',
    };
    for (const slug of ['openai', 'openrouter', 'groq', 'together']) {
      fakes[slug] = await fakeOpenAI();
      env[`${slug.toUpperCase()}_API_KEY`] = `sk-${slug}`;
      env[`${slug.toUpperCase()}_BASE_URL`] = fakes[slug]!.url;
    }
    bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'breaker-test', namespace: NAMESPACE, logger: silentLogger() });
    bus.subscribeCore<(typeof transitions)[number]>('breaker.transition', (t) => transitions.push(t));
    stack = await startStack({ env });
    ({ key: userKey } = await stack.createKey());
    ({ key: adminKey } = await stack.createKey({ role: 'admin' }));
  });

  afterAll(async () => {
    await stack.close();
    await bus.close();
    for (const f of Object.values(fakes)) await f.close();
  });

  const chat = (model: string, extra: object = {}) =>
    fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${userKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }], ...extra }),
    });
  const breaker = async (provider: string): Promise<BreakerJson> => (await fetch(`${stack.url}/circuit-breakers/${provider}`)).json() as Promise<BreakerJson>;
  const post = (path: string, key?: string) => fetch(`${stack.url}${path}`, { method: 'POST', headers: key ? { authorization: `Bearer ${key}` } : {} });
  const metrics = async () => (await fetch(`http://127.0.0.1:${stack.proxy.metricsPort}/metrics`)).text();
  const transitionCount = (text: string, labels: string) =>
    Number(new RegExp(`circuit_breaker_state_transitions_total\\{[^}]*${labels}[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
  async function until(what: string, check: () => Promise<boolean> | boolean, ms = 3_000): Promise<void> {
    const end = Date.now() + ms;
    while (!(await check())) {
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await sleep(25);
    }
  }

  it('a provider starts CLOSED; the endpoints are public; an unknown provider is 404 (AC-2.5.1, AC-2.5.9)', async () => {
    const res = await fetch(`${stack.url}/circuit-breakers`);
    expect(res.status).toBe(200);
    const list = (await res.json()) as { data: BreakerJson[]; config: { failure_threshold: number; cooldown_seconds: number; store: string } };
    expect(list.config).toMatchObject({ failure_threshold: 5, cooldown_seconds: COOLDOWN_MS / 1000, store: 'redis' });
    expect(list.data.map((b) => b.provider)).toEqual(expect.arrayContaining(['openai', 'openrouter', 'groq', 'together', 'anthropic']));
    expect(await breaker('anthropic')).toMatchObject({ provider: 'anthropic', model: null, state: 'closed', consecutive_failures: 0, models: [] });
    const unknown = await fetch(`${stack.url}/circuit-breakers/no-such-provider`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe('provider_not_found');
  });

  it('4 consecutive failures leave it CLOSED; the 5th opens it (CM-5.3.3, AC-2.5.2)', async () => {
    fakes.openai!.setDefault({ kind: 'status', status: 503 });
    for (let i = 0; i < 4; i++) expect((await chat(GPT)).status).toBe(200); // served by openrouter
    expect(await breaker('openai')).toMatchObject({ state: 'closed', consecutive_failures: 4 });
    expect((await chat(GPT)).status).toBe(200);
    const open = await breaker('openai');
    expect(open).toMatchObject({ state: 'open', consecutive_failures: 5 });
    expect(Date.parse(open.retry_at!)).toBeGreaterThan(Date.now());
    expect(fakes.openai!.requests).toHaveLength(5);
  });

  it('an OPEN provider gets no requests: routing leaves it out of the chain, transparently (AC-2.4.8, AC-2.5.3)', async () => {
    const routing = createClient(RoutingService, `127.0.0.1:${stack.routing.port}`, { defaultTimeoutMs: 2_000 });
    await until('routing to hear of the open breaker', async () => !(await routing.resolve({ model: GPT })).chain.some((r) => r.provider === 'openai'));
    routing.close();
    fakes.openai!.requests.length = 0;
    const res = await chat(GPT);
    expect(res.status).toBe(200);
    expect(fakes.openai!.requests).toHaveLength(0);
  });

  it('publishes each transition on NATS and counts it in circuit_breaker_state_transitions_total (AC-2.5.10)', async () => {
    await until('the transition on NATS', () => transitions.some((t) => t.provider === 'openai' && t.model === '' && t.to === 'open'));
    expect(transitionCount(await metrics(), 'provider="openai",model="",from_state="closed",to_state="open"')).toBe(1);
  });

  it('after the cool-down it is HALF_OPEN; a successful probe closes it (AC-2.5.4, AC-2.5.5)', async () => {
    await sleep(COOLDOWN_MS + 50);
    expect((await breaker('openai')).state).toBe('half_open');
    fakes.openai!.setDefault({ kind: 'reply' });
    await until('routing to let probes through', async () => {
      fakes.openai!.requests.length = 0;
      expect((await chat(GPT)).status).toBe(200);
      return fakes.openai!.requests.length === 1;
    });
    expect(await breaker('openai')).toMatchObject({ state: 'closed', consecutive_failures: 0 });
    const text = await metrics();
    expect(transitionCount(text, 'provider="openai",model="",from_state="open",to_state="half_open"')).toBe(1);
    expect(transitionCount(text, 'provider="openai",model="",from_state="half_open",to_state="closed"')).toBe(1);
  });

  it('a failed probe reopens it at once (AC-2.5.6)', async () => {
    fakes.openai!.setDefault({ kind: 'status', status: 502 });
    for (let i = 0; i < 5; i++) await chat(GPT);
    expect((await breaker('openai')).state).toBe('open');
    await sleep(COOLDOWN_MS + 50);
    await until('the probe', async () => {
      fakes.openai!.requests.length = 0;
      await chat(GPT);
      return fakes.openai!.requests.length === 1;
    });
    expect(await breaker('openai')).toMatchObject({ state: 'open' });
    fakes.openai!.setDefault({ kind: 'reply' });
  });

  it('breakers are independent per provider, and per model at one provider (CM-5.3.9)', async () => {
    fakes.groq!.setDefault({ kind: 'status', status: 500 });
    for (let i = 0; i < 5; i++) expect((await chat(LLAMA)).status).toBe(200); // together serves
    expect((await breaker('groq')).state).toBe('open');
    expect((await breaker('together')).state).toBe('closed');
    expect((await breaker('openrouter')).state).toBe('closed');
    await post('/circuit-breakers/groq/reset', adminKey);

    // One model missing at groq (404): only groq+that model opens; groq's other models still go to groq.
    fakes.groq!.reset();
    fakes.groq!.setDefault({ kind: 'status', status: 404 });
    for (let i = 0; i < 5; i++) expect((await chat(SMALL_LLAMA)).status).toBe(200);
    const groq = await breaker('groq');
    expect(groq.state).toBe('closed');
    expect(groq.models!.find((m) => m.model === SMALL_LLAMA)).toMatchObject({ state: 'open', consecutive_failures: 5 });
    fakes.groq!.reset();
    expect((await chat(LLAMA)).status).toBe(200);
    expect(fakes.groq!.requests).toHaveLength(1);
    fakes.groq!.requests.length = 0;
    expect((await chat(SMALL_LLAMA)).status).toBe(200);
    expect(fakes.groq!.requests).toHaveLength(0);
  });

  it('a stream that breaks after its first chunk counts as a failure too', async () => {
    fakes.together!.setDefault({ kind: 'stream-error', afterChunks: 2 });
    for (let i = 0; i < 5; i++) await (await chat(LLAMA, { stream: true, provider: { order: ['together'], allow_fallbacks: false } })).text();
    expect((await breaker('together')).state).toBe('open');
    fakes.together!.setDefault({ kind: 'reply' });
  });

  it('when every provider of a model is OPEN, the answer is 503 with Retry-After', async () => {
    fakes.openai!.setDefault({ kind: 'status', status: 503 });
    fakes.openrouter!.setDefault({ kind: 'status', status: 503 });
    await until('both breakers open', async () => {
      await chat(GPT);
      return (await breaker('openrouter')).state === 'open' && (await breaker('openai')).state === 'open';
    });
    const res = await chat(GPT);
    expect(res.status).toBe(503);
    expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('no_provider_available');
    fakes.openai!.setDefault({ kind: 'reply' });
    fakes.openrouter!.setDefault({ kind: 'reply' });
  });

  it('reset is admin-only; an admin can reset one provider (and its models) or all (AC-2.5.7, AC-2.5.8)', async () => {
    expect((await post('/circuit-breakers/openai/reset')).status).toBe(401);
    expect((await post('/circuit-breakers/openai/reset', userKey)).status).toBe(403);
    expect((await post('/circuit-breakers/reset-all', userKey)).status).toBe(403);
    const one = await post('/circuit-breakers/groq/reset', adminKey);
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({ provider: 'groq', state: 'closed', reset: 1 });
    expect((await breaker('groq')).models!.find((m) => m.model === SMALL_LLAMA)).toMatchObject({ state: 'closed' });
    const all = await post('/circuit-breakers/reset-all', adminKey);
    expect(all.status).toBe(200);
    expect(((await all.json()) as { reset: number }).reset).toBeGreaterThanOrEqual(2);
    for (const p of ['openai', 'openrouter', 'together']) expect((await breaker(p)).state).toBe('closed');
    await until('routing to take openai back', async () => {
      fakes.openai!.requests.length = 0;
      return (await chat(GPT)).status === 200 && fakes.openai!.requests.length === 1;
    });
  });
});
