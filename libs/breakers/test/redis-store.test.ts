import { randomBytes } from 'node:crypto';
import { createRedis, type Redis } from '@gatewayz/redis';
import { CircuitBreakers, RedisBreakerStore, type BreakerTransition } from '@gatewayz/breakers';
import { SCENARIOS, SCENARIO_POLICY } from '../src/state-machine.scenarios';

/** The Lua state machine against a real Redis: the same scenarios as the TypeScript one. */
describe('RedisBreakerStore (Lua) and CircuitBreakers against Redis', () => {
  let redis: Redis;
  const namespace = () => `${process.env.GATEWAYZ_NAMESPACE}:breakers-${randomBytes(4).toString('hex')}`;

  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL!, { name: 'breakers-test', commandTimeoutMs: 2_000 });
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  });

  afterAll(() => redis.disconnect());

  it.each(Object.entries(SCENARIOS))('%s', async (_name, steps) => {
    const store = new RedisBreakerStore(redis, namespace(), SCENARIO_POLICY);
    for (const s of steps) {
      const [result] = await store.apply([{ key: 'p|m', event: s.event }], s.at);
      expect({ at: s.at, event: s.event, state: result!.record.state }).toEqual({ at: s.at, event: s.event, state: s.state });
      if (s.allowed !== undefined) expect(result!.allowed).toBe(s.allowed);
      if (s.failures !== undefined) expect(result!.record.failures).toBe(s.failures);
    }
  });

  it('is shared: two replicas count one sequence of failures; transitions are announced once', async () => {
    const ns = namespace();
    const seen: BreakerTransition[] = [];
    const a = new CircuitBreakers({ policy: SCENARIO_POLICY, namespace: ns, redis, onTransition: (t) => seen.push(t) });
    const b = new CircuitBreakers({ policy: SCENARIO_POLICY, namespace: ns, redis, onTransition: (t) => seen.push(t) });
    for (let i = 0; i < 2; i++) await a.record('openai', 'openai/gpt-4o', 'provider_failure');
    for (let i = 0; i < 2; i++) await b.record('openai', 'openai/gpt-4o', 'provider_failure');
    expect((await a.get('openai')).state).toBe('closed');
    await a.record('openai', 'openai/gpt-4o', 'provider_failure');
    expect((await b.get('openai')).state).toBe('open');
    // b has not heard of it (no NATS here) until it asks the store: its next failure sees OPEN.
    expect(seen.filter((t) => t.to === 'open').map((t) => t.model).sort()).toEqual(['', 'openai/gpt-4o']);
    await b.sync();
    expect(await b.acquire('openai', 'openai/gpt-4o')).toMatchObject({ allowed: false, provider: 'openai' });
    a.close();
    b.close();
  });

  it('keeps providers independent, and a model breaker independent of its provider', async () => {
    const breakers = new CircuitBreakers({ policy: SCENARIO_POLICY, namespace: namespace(), redis });
    for (let i = 0; i < 5; i++) await breakers.record('groq', 'meta-llama/llama-3.1-8b-instruct', 'model_failure');
    expect((await breakers.get('groq')).state).toBe('closed');
    expect((await breakers.get('groq', 'meta-llama/llama-3.1-8b-instruct')).state).toBe('open');
    expect((await breakers.acquire('groq', 'meta-llama/llama-3.1-8b-instruct')).allowed).toBe(false);
    expect((await breakers.acquire('groq', 'meta-llama/llama-3.3-70b-instruct')).allowed).toBe(true);
    expect((await breakers.acquire('together', 'meta-llama/llama-3.1-8b-instruct')).allowed).toBe(true);
    expect(await breakers.reset('groq')).toBe(1);
    expect((await breakers.acquire('groq', 'meta-llama/llama-3.1-8b-instruct')).allowed).toBe(true);
    breakers.close();
  });

  it('falls back to in-process state when Redis is unreachable, and never blocks', async () => {
    const down = createRedis('redis://127.0.0.1:1', { name: 'down' });
    const breakers = new CircuitBreakers({ policy: SCENARIO_POLICY, namespace: namespace(), redis: down });
    const started = performance.now();
    for (let i = 0; i < 5; i++) await breakers.record('openai', 'openai/gpt-4o', 'provider_failure');
    expect(breakers.storeName).toBe('memory');
    expect((await breakers.acquire('openai', 'openai/gpt-4o')).allowed).toBe(false);
    expect((await breakers.list()).map((b) => `${b.provider}|${b.model}:${b.state}`)).toEqual(['openai|:open', 'openai|openai/gpt-4o:open']);
    expect(performance.now() - started).toBeLessThan(500);
    breakers.close();
    down.disconnect();
  });
});
