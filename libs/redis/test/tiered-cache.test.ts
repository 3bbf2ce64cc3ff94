import { randomBytes } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { TieredCache, createRedis, isRedisReady, type Redis } from '../src';

/** TieredCache (in-process LRU → Redis → loader) against the real Redis, and against none. */
interface Value {
  id: string;
  n: number;
}

const REDIS_TTL_MS = 30_000;

/** The Redis write-back is fire-and-forget: read Redis once it has landed (bounded wait). */
async function storedValue(admin: Redis, key: string): Promise<unknown> {
  for (let i = 0; i < 50; i++) {
    const text = await admin.get(key);
    if (text !== null) return JSON.parse(text);
    await sleep(10);
  }
  return null;
}

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

/**
 * A TCP proxy to the real Redis that can go silent (stops forwarding, keeps connections open):
 * a Redis that hangs rather than refuses.
 */
async function silentableProxy(target: URL): Promise<{ url: string; silent: boolean; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const state = {
    url: '',
    silent: false,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (d) => {
      if (!state.silent) upstream.write(d);
    });
    upstream.on('data', (d) => {
      if (!state.silent) client.write(d);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.url = `redis://127.0.0.1:${(server.address() as { port: number }).port}`;
  return state;
}

/** A loader that counts its calls. */
function loader(value: Value | undefined, delayMs = 0) {
  const fn = async (): Promise<Value | undefined> => {
    fn.calls++;
    if (delayMs) await sleep(delayMs);
    return value;
  };
  fn.calls = 0;
  return fn;
}

describe('TieredCache', () => {
  const prefix = `${process.env.GATEWAYZ_NAMESPACE ?? 'gwtest'}:test:tiered:${randomBytes(6).toString('hex')}:`;
  let redis: Redis;
  let admin: Redis;
  let down: Redis;

  const cache = (r: Redis | undefined = redis) =>
    new TieredCache<Value>({
      prefix,
      maxEntries: 100,
      localTtlMs: 60_000,
      redisTtlMs: REDIS_TTL_MS,
      redis: r,
      encode: JSON.stringify,
      decode: (text) => JSON.parse(text) as Value,
    });

  beforeAll(async () => {
    redis = createRedis(process.env.REDIS_URL!, { name: 'tiered-cache-test' });
    admin = createRedis(process.env.REDIS_URL!, { name: 'tiered-cache-test-admin' });
    down = createRedis(`redis://127.0.0.1:${await closedPort()}`, { name: 'tiered-cache-test-down' });
    await ready(redis);
    await ready(admin);
  });

  afterAll(async () => {
    const keys = await admin.keys(`${prefix}*`);
    if (keys.length > 0) await admin.del(...keys);
    expect(await admin.keys(`${prefix}*`)).toEqual([]);
    redis.disconnect();
    admin.disconnect();
    down.disconnect();
  });

  it('a miss loads once and fills both layers; a new instance hits Redis without loading', async () => {
    const a = cache();
    const value = { id: 'k1', n: 1 };
    const load = loader(value);
    expect(await a.get('k1', load)).toEqual(value);
    expect(load.calls).toBe(1);
    expect(a.peekLocal('k1')).toEqual(value);
    expect(await storedValue(admin, `${prefix}k1`)).toEqual(value);
    const ttl = await admin.pttl(`${prefix}k1`);
    expect(ttl).toBeGreaterThan(REDIS_TTL_MS - 5_000);
    expect(ttl).toBeLessThanOrEqual(REDIS_TTL_MS);

    // Same instance: the in-process layer answers.
    expect(await a.get('k1', load)).toEqual(value);
    expect(load.calls).toBe(1);

    // Another instance (another replica): Redis answers, then its own LRU.
    const b = cache();
    expect(b.peekLocal('k1')).toBeUndefined();
    const never = loader({ id: 'wrong', n: -1 });
    expect(await b.get('k1', never)).toEqual(value);
    expect(never.calls).toBe(0);
    expect(b.peekLocal('k1')).toEqual(value);
  });

  it('20 concurrent gets for one cold key call the loader once', async () => {
    const c = cache();
    const value = { id: 'hot', n: 20 };
    const load = loader(value, 50);
    const results = await Promise.all(Array.from({ length: 20 }, () => c.get('hot', load)));
    expect(load.calls).toBe(1);
    for (const r of results) expect(r).toEqual(value);
    expect(await storedValue(admin, `${prefix}hot`)).toEqual(value);
  });

  it('a loader answering undefined caches nothing', async () => {
    const c = cache();
    const load = loader(undefined);
    expect(await c.get('absent', load)).toBeUndefined();
    expect(await c.get('absent', load)).toBeUndefined();
    expect(load.calls).toBe(2);
    expect(await admin.exists(`${prefix}absent`)).toBe(0);
  });

  it('a failed load is not cached and does not wedge the key', async () => {
    const c = cache();
    const failing = async (): Promise<Value | undefined> => {
      throw new Error('source down');
    };
    await expect(c.get('flaky', failing)).rejects.toThrow('source down');
    const load = loader({ id: 'flaky', n: 2 });
    expect(await c.get('flaky', load)).toEqual({ id: 'flaky', n: 2 });
    expect(load.calls).toBe(1);
  });

  it('delete removes the entry from both layers', async () => {
    const a = cache();
    const b = cache();
    const value = { id: 'gone', n: 3 };
    await a.set('gone', value);
    expect(await admin.exists(`${prefix}gone`)).toBe(1);
    await a.delete('gone');
    expect(a.peekLocal('gone')).toBeUndefined();
    expect(await admin.exists(`${prefix}gone`)).toBe(0);
    const load = loader({ id: 'gone', n: 4 });
    expect(await b.get('gone', load)).toEqual({ id: 'gone', n: 4 });
    expect(load.calls).toBe(1);
    const again = loader({ id: 'gone', n: 5 });
    expect(await a.get('gone', again)).toEqual({ id: 'gone', n: 4 }); // refilled from Redis by b
    expect(again.calls).toBe(0);
  });

  it('with Redis unreachable the cache still works: loads, never throws, never hangs', async () => {
    expect(isRedisReady(down)).toBe(false);
    const c = cache(down);
    const value = { id: 'offline', n: 6 };
    const load = loader(value);
    const t0 = Date.now();
    expect(await c.get('offline', load)).toEqual(value);
    expect(load.calls).toBe(1);
    expect(await c.get('offline', load)).toEqual(value); // the in-process layer still serves
    expect(load.calls).toBe(1);
    await c.set('offline2', { id: 'offline2', n: 7 });
    expect(c.peekLocal('offline2')).toEqual({ id: 'offline2', n: 7 });
    await c.delete('offline');
    expect(c.peekLocal('offline')).toBeUndefined();
    const reload = loader(value);
    expect(await c.get('offline', reload)).toEqual(value);
    expect(reload.calls).toBe(1);
    expect(Date.now() - t0).toBeLessThan(300);
    // Nothing was written to the real Redis under this prefix by the offline cache.
    expect(await admin.exists(`${prefix}offline`, `${prefix}offline2`)).toBe(0);
  });

  it('with Redis hanging (connected, silent) a get still answers within the command timeout', async () => {
    const proxy = await silentableProxy(new URL(process.env.REDIS_URL!));
    const viaProxy = createRedis(proxy.url, { name: 'tiered-cache-test-proxy' });
    try {
      await ready(viaProxy);
      const c = cache(viaProxy);
      const warm = loader({ id: 'proxied', n: 9 });
      expect(await c.get('proxied', warm)).toEqual({ id: 'proxied', n: 9 });
      expect(await storedValue(admin, `${prefix}proxied`)).toEqual({ id: 'proxied', n: 9 });

      proxy.silent = true;
      expect(isRedisReady(viaProxy)).toBe(true); // the client cannot tell yet
      const other = cache(viaProxy);
      const load = loader({ id: 'stalled', n: 10 });
      const t0 = Date.now();
      expect(await other.get('stalled', load)).toEqual({ id: 'stalled', n: 10 });
      const elapsed = Date.now() - t0;
      expect(load.calls).toBe(1);
      // Redis read times out (250 ms), the loader answers; the write-back must not add a hang.
      expect(elapsed).toBeLessThan(800);
      // In-process layer filled: the next get is instant.
      const t1 = Date.now();
      expect(await other.get('stalled', load)).toEqual({ id: 'stalled', n: 10 });
      expect(Date.now() - t1).toBeLessThan(50);
    } finally {
      viaProxy.disconnect();
      await proxy.close();
    }
  });

  it('works with no Redis configured at all', async () => {
    const c = cache(undefined);
    const load = loader({ id: 'local', n: 8 });
    expect(await c.get('local', load)).toEqual({ id: 'local', n: 8 });
    expect(await c.get('local', load)).toEqual({ id: 'local', n: 8 });
    expect(load.calls).toBe(1);
  });
});
