import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createRedis, type Redis } from '@gatewayz/redis';
import { MINUTE, SlidingLogLimiter, UTC_DAY, UTC_MONTH, WindowLimiter, type CounterRule } from '../src';

/** The limiters against the real Redis: atomic under concurrency, shared, and falling back. */
async function ready(redis: Redis): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('redis not ready')), 5_000);
    redis.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const rules = (rpm: number): CounterRule[] => [
  { name: 'rpm', limit: rpm, window: MINUTE, cost: 1 },
  { name: 'tpd', limit: 1_000, window: UTC_DAY, cost: 0 },
  { name: 'tpmo', limit: 5_000, window: UTC_MONTH, cost: 0 },
];

describe('rate limiters on Redis', () => {
  let a: Redis;
  let b: Redis;
  let down: Redis;
  const prefix = `${process.env.GATEWAYZ_NAMESPACE}:rltest:${randomBytes(4).toString('hex')}:`;

  beforeAll(async () => {
    a = createRedis(process.env.REDIS_URL!, { name: 'rl-a' });
    b = createRedis(process.env.REDIS_URL!, { name: 'rl-b' });
    down = createRedis(`redis://127.0.0.1:${await closedPort()}`, { name: 'rl-down' });
    await Promise.all([ready(a), ready(b)]);
  });

  afterAll(() => {
    a.disconnect();
    b.disconnect();
    down.disconnect();
  });

  it('two replicas sharing Redis admit exactly the limit under concurrency', async () => {
    const one = new WindowLimiter({ redis: a, prefix });
    const two = new WindowLimiter({ redis: b, prefix });
    const decisions = await Promise.all(Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? one : two).check('shared', rules(25))));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(25);
    expect(decisions.every((d) => !d.degraded)).toBe(true);
    const refused = decisions.find((d) => !d.allowed)!;
    expect(refused.blocked).toMatchObject({ name: 'rpm', limit: 25, remaining: 0 });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(60_000);
    // The counters carry a TTL no longer than their window (plus slack).
    const keys = await a.keys(`${prefix}{shared}:*`);
    expect(keys).toHaveLength(1);
    const ttl = await a.pttl(keys[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(65_000);
  });

  it('token counters recorded on one replica gate the other', async () => {
    const one = new WindowLimiter({ redis: a, prefix });
    const two = new WindowLimiter({ redis: b, prefix });
    expect((await one.check('tok', rules(100))).allowed).toBe(true);
    await one.add('tok', rules(100).slice(1), 1_000);
    const refused = await two.check('tok', rules(100));
    expect(refused.allowed).toBe(false);
    expect(refused.blocked).toMatchObject({ name: 'tpd', used: 1_000 });
    const peek = await two.peek('tok', rules(100));
    expect(peek.map((s) => [s.name, s.used])).toEqual([
      ['rpm', 1],
      ['tpd', 1_000],
      ['tpmo', 1_000],
    ]);
  });

  it('with Redis down, limiting continues in process and never waits', async () => {
    const limiter = new WindowLimiter({ redis: down, prefix });
    const started = performance.now();
    const decisions = [];
    for (let i = 0; i < 7; i++) decisions.push(await limiter.check('offline', rules(5)));
    expect(performance.now() - started).toBeLessThan(200);
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, true, true, false, false]);
    expect(decisions.every((d) => d.degraded)).toBe(true);
  });

  it('sliding logs are exact and shared; with Redis down they still limit', async () => {
    const one = new SlidingLogLimiter({ redis: a, prefix: `${prefix}login:`, limit: 10, windowMs: 900_000 });
    const two = new SlidingLogLimiter({ redis: b, prefix: `${prefix}login:`, limit: 10, windowMs: 900_000 });
    const results = await Promise.all(Array.from({ length: 14 }, (_, i) => (i % 2 ? one : two).hit('203.0.113.9')));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
    const refused = results.find((r) => !r.allowed)!;
    expect(refused.retryAfterMs).toBeGreaterThan(899_000);
    const offline = new SlidingLogLimiter({ redis: down, prefix: `${prefix}login:`, limit: 2, windowMs: 900_000 });
    expect((await offline.hit('x')).allowed).toBe(true);
    expect((await offline.hit('x')).allowed).toBe(true);
    expect(await offline.hit('x')).toMatchObject({ allowed: false, degraded: true });
  });
});
