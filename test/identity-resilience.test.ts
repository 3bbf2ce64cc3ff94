import { setTimeout as sleep } from 'node:timers/promises';
import { awayFromMinuteEdge, call, freshIp } from './support/identity';
import { startStack, type TestStack } from './support/stack';

/** Velocity mode (layer 1) and limiting with Redis down (in-process fallback). */
type Velocity = { active: boolean; mode: string; error_rate: number; requests_in_window: number };

describe('velocity mode', () => {
  let stack: TestStack;
  let admin: string;

  beforeAll(async () => {
    // Short windows: the behaviour of the 3-minute defaults, in seconds.
    stack = await startStack({
      env: { RATE_LIMIT_IP_RPM: '10', VELOCITY_WINDOW_MS: '2000', VELOCITY_COOLDOWN_MS: '2000', VELOCITY_MIN_REQUESTS: '4' },
    });
    admin = (await stack.createKey({ role: 'admin' })).key;
  });

  afterAll(async () => {
    await stack.close();
  });

  const status = async () => (await call<Velocity>(stack, 'GET', '/admin/velocity-mode-status', { auth: admin })).json;

  it('activates above a 25% error rate, halves IP limits, and lifts after the calm cool-down', async () => {
    await awayFromMinuteEdge();
    expect(await status()).toMatchObject({ active: false, mode: 'normal' });
    // A burst of failing unauthenticated requests (bad keys → 401).
    const prober = freshIp();
    for (let i = 0; i < 4; i++) expect((await call(stack, 'GET', '/v1/models', { ip: prober, auth: `bad-key-${i}` })).status).toBe(401);
    const hot = await status();
    expect(hot).toMatchObject({ active: true, mode: 'velocity' });
    expect(hot.error_rate).toBeGreaterThan(0.25);

    // Limits are halved: 5 per minute instead of 10, and the 429 says so.
    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await call(stack, 'GET', '/v1/models', { ip })).status).toBe(200);
    const limited = await call(stack, 'GET', '/v1/models', { ip });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-limit')).toBe('5');
    expect(limited.headers.get('x-ratelimit-mode')).toBe('velocity');
    expect(limited.headers.get('x-ratelimit-reason')).toBe('ip_rate_limit');

    // Calm: the errors leave the window, then the cool-down passes.
    let s = await status();
    for (let i = 0; i < 60 && s.active; i++) {
      await sleep(100);
      s = await status();
    }
    expect(s).toMatchObject({ active: false, mode: 'normal' });
    const fresh = freshIp();
    await awayFromMinuteEdge();
    for (let i = 0; i < 10; i++) expect((await call(stack, 'GET', '/v1/models', { ip: fresh })).status).toBe(200);
    const normal = await call(stack, 'GET', '/v1/models', { ip: fresh });
    expect(normal.status).toBe(429);
    expect(normal.headers.get('x-ratelimit-limit')).toBe('10');
    expect(normal.headers.get('x-ratelimit-mode')).toBe('normal');
  });
});

describe('with Redis down', () => {
  let stack: TestStack;

  beforeAll(async () => {
    stack = await startStack({ env: { REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_IP_RPM: '5' } });
  });

  afterAll(async () => {
    await stack.close();
  });

  it('authentication still works and is never blocked', async () => {
    const { key } = await stack.createKey({ plan: 'free' });
    const started = performance.now();
    const r = await call(stack, 'POST', '/v1/chat/completions', { auth: key, body: { model: 'sim/echo', messages: [{ role: 'user', content: 'no redis' }] } });
    expect(r.status).toBe(200);
    expect(performance.now() - started).toBeLessThan(1_000);
    expect((await call(stack, 'POST', '/v1/chat/completions', { auth: 'gw_live_' + 'y'.repeat(43), body: {} })).status).toBe(401);
  });

  it('every layer keeps limiting in process, with the same headers', async () => {
    await awayFromMinuteEdge();
    const { key, keyId } = await stack.createKey({ plan: 'free' });
    expect((await call(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { rpm: 2 } })).status).toBe(200);
    const body = { model: 'sim/echo', messages: [{ role: 'user', content: 'x' }] };
    for (let i = 0; i < 2; i++) expect((await call(stack, 'POST', '/v1/chat/completions', { auth: key, body })).status).toBe(200);
    const keyLimited = await call(stack, 'POST', '/v1/chat/completions', { auth: key, body });
    expect(keyLimited.status).toBe(429);
    expect(keyLimited.headers.get('x-ratelimit-limit')).toBe('2');
    expect(Number(keyLimited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);

    const ip = freshIp();
    for (let i = 0; i < 5; i++) expect((await call(stack, 'GET', '/v1/models', { ip })).status).toBe(200);
    const ipLimited = await call(stack, 'GET', '/v1/models', { ip });
    expect(ipLimited.status).toBe(429);
    expect(ipLimited.headers.get('x-ratelimit-reason')).toBe('ip_rate_limit');
    expect(ipLimited.headers.get('x-ratelimit-remaining')).toBe('0');
  });
});
