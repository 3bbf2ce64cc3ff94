import type { BreakerEvent, BreakerPolicy, BreakerStateName } from './state-machine';

/**
 * Scenarios both implementations of the state machine must pass (the TypeScript one in
 * state-machine.spec.ts, the Lua one against a real Redis in test/redis-store.test.ts).
 * Times are ms from an arbitrary origin.
 */
export const SCENARIO_POLICY: BreakerPolicy = { failureThreshold: 5, cooldownMs: 1_000, halfOpenMaxProbes: 1, successThreshold: 1 };

export interface ScenarioStep {
  event: BreakerEvent;
  at: number;
  state: BreakerStateName;
  allowed?: boolean;
  failures?: number;
}

const fail = (at: number, state: BreakerStateName, failures: number): ScenarioStep => ({ event: 'failure', at, state, failures });

export const SCENARIOS: Record<string, ScenarioStep[]> = {
  'a new breaker is CLOSED and admits requests': [{ event: 'acquire', at: 0, state: 'closed', allowed: true }],
  '4 consecutive failures leave it CLOSED (boundary)': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    { event: 'acquire', at: 5, state: 'closed', allowed: true },
  ],
  'the 5th consecutive failure opens it, and OPEN refuses requests': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'acquire', at: 6, state: 'open', allowed: false },
    { event: 'acquire', at: 1_004, state: 'open', allowed: false },
  ],
  'a success resets the count of consecutive failures': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    { event: 'success', at: 5, state: 'closed', failures: 0 },
    fail(6, 'closed', 1),
    fail(7, 'closed', 2),
    fail(8, 'closed', 3),
    fail(9, 'closed', 4),
    fail(10, 'open', 5),
  ],
  'after the cool-down one probe goes through (HALF_OPEN), a second waits; success closes': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'acquire', at: 1_005, state: 'half_open', allowed: true },
    { event: 'acquire', at: 1_006, state: 'half_open', allowed: false },
    { event: 'success', at: 1_050, state: 'closed', failures: 0 },
    { event: 'acquire', at: 1_051, state: 'closed', allowed: true },
  ],
  'a failed probe reopens it and the cool-down restarts': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'acquire', at: 1_005, state: 'half_open', allowed: true },
    { event: 'failure', at: 1_100, state: 'open' },
    { event: 'acquire', at: 2_000, state: 'open', allowed: false },
    { event: 'acquire', at: 2_100, state: 'half_open', allowed: true },
  ],
  'the cool-down timer moves OPEN to HALF_OPEN without traffic': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'tick', at: 500, state: 'open' },
    { event: 'tick', at: 1_005, state: 'half_open' },
    { event: 'acquire', at: 1_006, state: 'half_open', allowed: true },
  ],
  'a probe slot that is never reported is reclaimed after a cool-down': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'acquire', at: 1_005, state: 'half_open', allowed: true },
    { event: 'acquire', at: 1_500, state: 'half_open', allowed: false },
    { event: 'acquire', at: 2_005, state: 'half_open', allowed: true },
  ],
  'a released probe slot can be taken again': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'acquire', at: 1_005, state: 'half_open', allowed: true },
    { event: 'release', at: 1_006, state: 'half_open' },
    { event: 'acquire', at: 1_007, state: 'half_open', allowed: true },
  ],
  'reset closes an OPEN breaker': [
    fail(1, 'closed', 1),
    fail(2, 'closed', 2),
    fail(3, 'closed', 3),
    fail(4, 'closed', 4),
    fail(5, 'open', 5),
    { event: 'reset', at: 6, state: 'closed', failures: 0 },
    { event: 'acquire', at: 7, state: 'closed', allowed: true },
  ],
};
