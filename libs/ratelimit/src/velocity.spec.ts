import { VelocityMonitor } from './velocity';

function monitor(clock: { t: number }) {
  return new VelocityMonitor({ windowMs: 180_000, errorRateThreshold: 0.25, cooldownMs: 180_000, minRequests: 20, factor: 0.5, now: () => clock.t });
}

describe('VelocityMonitor', () => {
  it('activates when more than 25% of requests over 3 minutes fail, halving limits', () => {
    const clock = { t: 1_000_000 };
    const v = monitor(clock);
    for (let i = 0; i < 75; i++) v.record(false);
    for (let i = 0; i < 25; i++) v.record(true);
    expect(v.state()).toMatchObject({ active: false, errorRate: 0.25, requests: 100, errors: 25 });
    expect(v.multiplier()).toBe(1);
    v.record(true);
    expect(v.state().active).toBe(true);
    expect(v.multiplier()).toBe(0.5);
  });

  it('never activates on a handful of requests', () => {
    const clock = { t: 0 };
    const v = monitor(clock);
    for (let i = 0; i < 19; i++) v.record(true);
    expect(v.state().active).toBe(false);
  });

  it('lifts after 3 calm minutes, not before', () => {
    const clock = { t: 5_000_000 };
    const v = monitor(clock);
    for (let i = 0; i < 40; i++) v.record(i % 2 === 0);
    expect(v.state().active).toBe(true);
    // A minute later plenty of good traffic brings the rate under 25%: calm from here on.
    clock.t += 60_000;
    for (let i = 0; i < 100; i++) v.record(false);
    expect(v.state().errorRate).toBeLessThan(0.25);
    const calmSince = clock.t;
    clock.t = calmSince + 179_000;
    expect(v.state().active).toBe(true);
    expect(v.state().liftsAtMs).toBe(calmSince + 180_000);
    clock.t = calmSince + 180_000;
    expect(v.state().active).toBe(false);
    expect(v.multiplier()).toBe(1);
  });

  it('stays active while the rate stays high', () => {
    const clock = { t: 0 };
    const v = monitor(clock);
    for (let minute = 0; minute < 6; minute++) {
      for (let i = 0; i < 20; i++) v.record(i < 10);
      clock.t += 60_000;
    }
    expect(v.state().active).toBe(true);
    expect(v.state().liftsAtMs).toBeGreaterThan(clock.t);
  });
});
