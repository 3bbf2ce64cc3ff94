import type { Redis } from '@gatewayz/redis';
import { step, type BreakerEvent, type BreakerPolicy, type BreakerRecord, type StepResult } from './state-machine';

export interface BreakerOp {
  key: string;
  event: BreakerEvent;
}

/** Where breaker records live. Every op of one `apply` call is applied atomically, in order. */
export interface BreakerStore {
  readonly name: 'redis' | 'memory';
  apply(ops: BreakerOp[], now: number): Promise<StepResult[]>;
  snapshot(): Promise<Map<string, BreakerRecord>>;
}

/** This process's own breakers: the fallback while Redis is unreachable. */
export class MemoryBreakerStore implements BreakerStore {
  readonly name = 'memory' as const;
  private readonly records = new Map<string, BreakerRecord>();

  constructor(private readonly policy: BreakerPolicy) {}

  async apply(ops: BreakerOp[], now: number): Promise<StepResult[]> {
    return ops.map(({ key, event }) => {
      const result = step(this.records.get(key), event, now, this.policy);
      if (result.changed) this.records.set(key, result.record);
      return result;
    });
  }

  async snapshot(): Promise<Map<string, BreakerRecord>> {
    return new Map(this.records);
  }
}

/**
 * The state machine of state-machine.ts, in Lua, so that every replica's update of a shared
 * breaker is atomic (no read-modify-write race). Keep the two in step: the Redis test runs the
 * unit spec's scenarios against this script.
 * KEYS[1] = index set; KEYS[2..] = breaker keys. ARGV = now, threshold, cooldown, max probes,
 * success threshold, ttl, then (member, event) per breaker key.
 */
const STEP_LUA = `
local now = tonumber(ARGV[1])
local threshold = tonumber(ARGV[2])
local cooldown = tonumber(ARGV[3])
local maxProbes = tonumber(ARGV[4])
local successThreshold = tonumber(ARGV[5])
local ttl = tonumber(ARGV[6])
local function closed()
  return { state = 'closed', failures = 0, openedAt = 0, retryAt = 0, probes = 0, probeAt = 0, successes = 0, updatedAt = 0 }
end
local function opened(r)
  r.state = 'open'; r.openedAt = now; r.retryAt = now + cooldown; r.probes = 0; r.probeAt = 0; r.successes = 0
  return r
end
local out = {}
for i = 2, #KEYS do
  local member = ARGV[7 + 2 * (i - 2)]
  local event = ARGV[8 + 2 * (i - 2)]
  local raw = redis.call('GET', KEYS[i])
  local r = closed()
  if raw then r = cjson.decode(raw) end
  local from = r.state
  local allowed = 1
  local changed = false
  if event == 'acquire' then
    if r.state == 'open' then
      if now < r.retryAt then allowed = 0 else
        r.state = 'half_open'; r.probes = 1; r.probeAt = now; r.successes = 0; changed = true
      end
    elseif r.state == 'half_open' then
      if r.probes >= maxProbes and now - r.probeAt >= cooldown then r.probes = 0; changed = true end
      if r.probes >= maxProbes then allowed = 0 else r.probes = r.probes + 1; r.probeAt = now; changed = true end
    end
  elseif event == 'release' then
    if r.state == 'half_open' and r.probes > 0 then r.probes = r.probes - 1; changed = true end
  elseif event == 'success' then
    if r.state == 'closed' then
      if r.failures ~= 0 then r.failures = 0; changed = true end
    elseif r.state == 'half_open' then
      r.successes = r.successes + 1
      if r.successes >= successThreshold then r = closed() elseif r.probes > 0 then r.probes = r.probes - 1 end
      changed = true
    end
  elseif event == 'failure' then
    if r.state == 'half_open' then r = opened(r); changed = true
    elseif r.state == 'closed' then
      r.failures = r.failures + 1
      if r.failures >= threshold then r = opened(r) end
      changed = true
    end
  elseif event == 'tick' then
    if r.state == 'open' and now >= r.retryAt then
      r.state = 'half_open'; r.probes = 0; r.probeAt = 0; r.successes = 0; changed = true
    end
  elseif event == 'reset' then
    if r.state ~= 'closed' or r.failures ~= 0 then r = closed(); changed = true end
  end
  if changed then
    r.updatedAt = now
    redis.call('SET', KEYS[i], cjson.encode(r), 'PX', ttl)
    redis.call('SADD', KEYS[1], member)
  end
  out[#out + 1] = cjson.encode({ from = from, allowed = allowed, changed = changed, record = r })
end
return out
`;

type StepCommand = (numKeys: number, ...args: (string | number)[]) => Promise<string[]>;

/** Shared by every replica. Methods throw when Redis is unavailable; callers fall back. */
export class RedisBreakerStore implements BreakerStore {
  readonly name = 'redis' as const;
  private readonly command: StepCommand;
  private readonly indexKey: string;
  private readonly recordPrefix: string;

  constructor(
    private readonly redis: Redis,
    namespace: string,
    private readonly policy: BreakerPolicy,
  ) {
    this.indexKey = `${namespace}:breakers`;
    this.recordPrefix = `${namespace}:breaker:`;
    if (!(redis as unknown as Record<string, unknown>).gatewayzBreakerStep) {
      redis.defineCommand('gatewayzBreakerStep', { lua: STEP_LUA });
    }
    const bound = (redis as unknown as Record<string, StepCommand>).gatewayzBreakerStep!;
    this.command = bound.bind(redis);
  }

  /** Records outlive their cool-down comfortably; a CLOSED one may simply expire. */
  private get ttlMs(): number {
    return Math.max(3_600_000, this.policy.cooldownMs * 4);
  }

  async apply(ops: BreakerOp[], now: number): Promise<StepResult[]> {
    if (ops.length === 0) return [];
    const p = this.policy;
    const args: (string | number)[] = [now, p.failureThreshold, p.cooldownMs, p.halfOpenMaxProbes, p.successThreshold, this.ttlMs];
    for (const op of ops) args.push(op.key, op.event);
    const raw = await this.command(ops.length + 1, this.indexKey, ...ops.map((op) => this.recordPrefix + op.key), ...args);
    return raw.map((text) => {
      const r = JSON.parse(text) as { from: string; allowed: number; changed: boolean; record: BreakerRecord };
      const record = r.record;
      return {
        record,
        allowed: r.allowed === 1,
        changed: r.changed,
        transition: r.from !== record.state ? { from: r.from as BreakerRecord['state'], to: record.state } : undefined,
      };
    });
  }

  async snapshot(): Promise<Map<string, BreakerRecord>> {
    const members = await this.redis.smembers(this.indexKey);
    const out = new Map<string, BreakerRecord>();
    if (members.length === 0) return out;
    const values = await this.redis.mget(...members.map((m) => this.recordPrefix + m));
    const expired: string[] = [];
    members.forEach((member, i) => {
      const text = values[i];
      if (text) out.set(member, JSON.parse(text) as BreakerRecord);
      else expired.push(member);
    });
    if (expired.length > 0) await this.redis.srem(this.indexKey, ...expired);
    return out;
  }
}
