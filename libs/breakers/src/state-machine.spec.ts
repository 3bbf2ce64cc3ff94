import { SCENARIOS, SCENARIO_POLICY } from './state-machine.scenarios';
import { closedRecord, effectiveState, step, type BreakerRecord } from './state-machine';

describe('breaker state machine', () => {
  it.each(Object.entries(SCENARIOS))('%s', (_name, steps) => {
    let record: BreakerRecord | undefined;
    for (const s of steps) {
      const result = step(record, s.event, s.at, SCENARIO_POLICY);
      record = result.record;
      expect({ at: s.at, event: s.event, state: record.state }).toEqual({ at: s.at, event: s.event, state: s.state });
      if (s.allowed !== undefined) expect(result.allowed).toBe(s.allowed);
      if (s.failures !== undefined) expect(record.failures).toBe(s.failures);
    }
  });

  it('reports each state change as one transition, and nothing when the state stays', () => {
    let r: BreakerRecord | undefined;
    const transitions: string[] = [];
    for (let i = 1; i <= 6; i++) {
      const result = step(r, 'failure', i, SCENARIO_POLICY);
      r = result.record;
      if (result.transition) transitions.push(`${result.transition.from}->${result.transition.to}`);
    }
    const probe = step(r, 'acquire', 2_000, SCENARIO_POLICY);
    if (probe.transition) transitions.push(`${probe.transition.from}->${probe.transition.to}`);
    const closed = step(probe.record, 'success', 2_001, SCENARIO_POLICY);
    if (closed.transition) transitions.push(`${closed.transition.from}->${closed.transition.to}`);
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('needs successThreshold probe successes to close when configured above 1', () => {
    const policy = { ...SCENARIO_POLICY, successThreshold: 2, halfOpenMaxProbes: 2 };
    let r = { ...closedRecord(), state: 'open' as const, retryAt: 10, openedAt: 0 };
    r = step(r, 'acquire', 10, policy).record as typeof r;
    r = step(r, 'acquire', 11, policy).record as typeof r;
    expect(step(r, 'acquire', 12, policy).allowed).toBe(false);
    r = step(r, 'success', 13, policy).record as typeof r;
    expect(r.state).toBe('half_open');
    expect(step(r, 'success', 14, policy).record.state).toBe('closed');
  });

  it('reads an OPEN breaker past its cool-down as HALF_OPEN', () => {
    const r = { ...closedRecord(), state: 'open' as const, openedAt: 0, retryAt: 1_000 };
    expect(effectiveState(r, 999)).toBe('open');
    expect(effectiveState(r, 1_000)).toBe('half_open');
    expect(effectiveState(undefined, 0)).toBe('closed');
  });
});
