import { FALLBACK_ENTRIES, FALLBACK_TTL_MS, FallbackStore } from './fallback-store';
import { SlidingLogLimiter } from './sliding-log';
import { WindowLimiter, type CounterRule } from './window-limiter';
import { MINUTE, UTC_DAY } from './windows';

/** The in-process paths (no Redis configured): what runs while Redis is down. */
const rpm = (limit: number): CounterRule => ({ name: 'rpm', limit, window: MINUTE, cost: 1 });
const tokensPerDay = (limit: number): CounterRule => ({ name: 'tpd', limit, window: UTC_DAY, cost: 0 });

describe('WindowLimiter without Redis', () => {
  it('admits up to the limit, then refuses with the time until the window ends', async () => {
    const clock = { t: Date.UTC(2026, 0, 1, 10, 0, 15) };
    const limiter = new WindowLimiter({ prefix: 't:', now: () => clock.t });
    for (let i = 1; i <= 3; i++) {
      const d = await limiter.check('k1', [rpm(3)]);
      expect(d).toMatchObject({ allowed: true, degraded: true });
      expect(d.states[0]).toMatchObject({ used: i, remaining: 3 - i, limit: 3 });
    }
    const refused = await limiter.check('k1', [rpm(3)]);
    expect(refused.allowed).toBe(false);
    expect(refused.blocked).toMatchObject({ name: 'rpm', limit: 3, remaining: 0, resetAtMs: Date.UTC(2026, 0, 1, 10, 1) });
    expect(refused.retryAfterMs).toBe(45_000);
    // A refused request adds nothing; another subject is independent; the next window is fresh.
    expect((await limiter.peek('k1', [rpm(3)]))[0]!.used).toBe(3);
    expect((await limiter.check('k2', [rpm(3)])).allowed).toBe(true);
    clock.t += 45_000;
    expect((await limiter.check('k1', [rpm(3)])).allowed).toBe(true);
  });

  it('gates on tokens recorded after the fact', async () => {
    const limiter = new WindowLimiter({ prefix: 't:' });
    expect((await limiter.check('k', [rpm(100), tokensPerDay(1000)])).allowed).toBe(true);
    await limiter.add('k', [tokensPerDay(1000)], 999);
    expect((await limiter.check('k', [rpm(100), tokensPerDay(1000)])).allowed).toBe(true);
    await limiter.add('k', [tokensPerDay(1000)], 5);
    const refused = await limiter.check('k', [rpm(100), tokensPerDay(1000)]);
    expect(refused.allowed).toBe(false);
    expect(refused.blocked).toMatchObject({ name: 'tpd', used: 1004, remaining: 0 });
  });
});

describe('FallbackStore', () => {
  it('keeps at most 500 subjects, least recently used out first', () => {
    const store = new FallbackStore();
    for (let i = 0; i < FALLBACK_ENTRIES + 20; i++) store.add(`s${i}`, 'c', 1, Date.now() + 60_000, Date.now());
    expect(store.size).toBe(500);
    expect(store.has('s0')).toBe(false);
    expect(store.has(`s${FALLBACK_ENTRIES + 19}`)).toBe(true);
  });

  it('forgets a subject 15 minutes after its last use', () => {
    const clock = { t: 1_000 };
    const store = new FallbackStore({ now: () => clock.t });
    store.add('idle', 'c', 1, clock.t + 3_600_000, clock.t);
    store.add('busy', 'c', 1, clock.t + 3_600_000, clock.t);
    clock.t += FALLBACK_TTL_MS - 1_000;
    expect(store.read('busy', 'c', clock.t)).toBe(1);
    clock.t += 2_000;
    expect(store.has('idle')).toBe(false);
    expect(store.has('busy')).toBe(true);
    expect(FALLBACK_TTL_MS).toBe(15 * 60_000);
  });
});

describe('SlidingLogLimiter without Redis', () => {
  it('allows N per window with no boundary to burst across', async () => {
    const clock = { t: 10_000_000 };
    const limiter = new SlidingLogLimiter({ prefix: 'l:', limit: 3, windowMs: 3_600_000, now: () => clock.t });
    for (let i = 0; i < 3; i++) {
      expect((await limiter.hit('ip')).allowed).toBe(true);
      clock.t += 1_000;
    }
    const refused = await limiter.hit('ip');
    expect(refused).toMatchObject({ allowed: false, remaining: 0, limit: 3 });
    expect(refused.retryAfterMs).toBe(3_600_000 - 3_000);
    clock.t = 10_000_000 + 3_600_000 + 1;
    expect((await limiter.hit('ip')).allowed).toBe(true);
  });
});
