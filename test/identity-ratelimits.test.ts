import { setTimeout as sleep } from 'node:timers/promises';
import OpenAI from 'openai';
import { create, fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import { PlanChangedSchema, UsageRecordedSchema } from '@gatewayz/proto';
import { loadEdgeConfig } from '../services/edge/src/config';
import { startEdge } from '../services/edge/src/server';
import { awayFromMinuteEdge, call, freshIp, type Reply } from './support/identity';
import { startStack, type TestStack } from './support/stack';

/** The three rate-limit layers, their headers on every 429 and on success, and plan changes. */
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };
const IP_RPM = 8;
const ANON_RPM = 3;
const chatBody = (content = 'hello') => ({ model: 'sim/echo:free', messages: [{ role: 'user' as const, content }] });
/** ~20 words: with the simulator's 1 word = 1 token, about 40 tokens per request. */
const LONG = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen seventeen eighteen nineteen twenty';

function expect429Headers(r: Reply, limit: number): void {
  expect(r.status).toBe(429);
  expect(Number(r.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  expect(Number(r.headers.get('retry-after-ms'))).toBeGreaterThan(0);
  expect(r.headers.get('x-ratelimit-limit')).toBe(String(limit));
  expect(r.headers.get('x-ratelimit-remaining')).toBe('0');
  const reset = Number(r.headers.get('x-ratelimit-reset'));
  expect(reset).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
}

describe('rate limiting', () => {
  let stack: TestStack;
  let bus: Bus;

  beforeAll(async () => {
    stack = await startStack({
      env: {
        RATE_LIMIT_IP_RPM: String(IP_RPM),
        ANONYMOUS_MODELS: 'sim/echo:free,sim/lorem:free',
        ANONYMOUS_RPM: String(ANON_RPM),
        // Velocity mode has its own suite (identity-resilience); keep it out of these counts.
        VELOCITY_MIN_REQUESTS: '1000000',
      },
    });
    bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'test', namespace: process.env.GATEWAYZ_NAMESPACE!, logger: silentLogger() });
  });

  afterAll(async () => {
    await stack.close();
    await bus.close();
  });

  it('layer 1: unauthenticated traffic is limited per IP, with reason and mode headers; keys are exempt', async () => {
    await awayFromMinuteEdge();
    const ip = freshIp();
    for (let i = 0; i < IP_RPM; i++) expect((await call(stack, 'GET', '/v1/models', { ip })).status).toBe(200);
    const limited = await call<ErrorBody>(stack, 'GET', '/v1/models', { ip });
    expect429Headers(limited, IP_RPM);
    expect(limited.headers.get('x-ratelimit-reason')).toBe('ip_rate_limit');
    expect(limited.headers.get('x-ratelimit-mode')).toBe('normal');
    expect(limited.json.error).toMatchObject({ type: 'rate_limit_error', code: 'ip_rate_limited' });
    // Brute-forcing keys from that address meets the limit before any lookup.
    expect((await call(stack, 'POST', '/v1/chat/completions', { ip, auth: 'gw_live_' + 'x'.repeat(43), body: chatBody() })).status).toBe(429);
    // A valid key is exempt, on its first request (not yet cached) and after.
    const { key } = await stack.createKey();
    for (let i = 0; i < 3; i++) expect((await call(stack, 'POST', '/v1/chat/completions', { ip, auth: key, body: chatBody() })).status).toBe(200);
    // Another address is unaffected.
    expect((await call(stack, 'GET', '/v1/models', { ip: freshIp() })).status).toBe(200);
    // Health probes are never limited.
    expect((await call(stack, 'GET', '/health/quick', { ip })).status).toBe(200);
  });

  it('layer 2: a key over its plan RPM gets a 429 with every header; successes carry x-ratelimit-*', async () => {
    await awayFromMinuteEdge();
    const { key } = await stack.createKey({ plan: 'free' });
    const client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
    const { response } = await client.chat.completions.create(chatBody()).withResponse();
    expect(response.headers.get('x-ratelimit-limit-requests')).toBe('20');
    expect(response.headers.get('x-ratelimit-remaining-requests')).toBe('19');
    expect(response.headers.get('x-ratelimit-reset-requests')).toMatch(/^\d+(\.\d+)?(ms|s)$/);
    expect(response.headers.get('x-ratelimit-limit-tokens')).toBe('40000');
    expect(Number(response.headers.get('x-ratelimit-remaining-tokens'))).toBeLessThanOrEqual(40_000);
    for (let i = 1; i < 20; i++) expect((await call(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody() })).status).toBe(200);
    const limited = await call<ErrorBody>(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody() });
    expect429Headers(limited, 20);
    expect(limited.json.error).toMatchObject({ type: 'rate_limit_error', code: 'rate_limit_exceeded' });
    expect(limited.json.error.message).toMatch(/20 requests per minute \(plan 'free'\)/);
    const err = await client.chat.completions.create(chatBody()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    expect((err as InstanceType<typeof OpenAI.RateLimitError>).headers.get('retry-after')).toMatch(/^\d+$/);
    // On /v1/messages the same refusal speaks Anthropic's error shape.
    const anthropic = await call<{ type: string; error: { type: string; message: string } }>(stack, 'POST', '/v1/messages', { auth: key, body: { model: 'sim/echo:free', max_tokens: 10, messages: [] } });
    expect429Headers(anthropic, 20);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });
  });

  it('per-key limits: viewable, settable within plan bounds, enforced', async () => {
    await awayFromMinuteEdge();
    const { key, keyId } = await stack.createKey({ plan: 'free' });
    const tooHigh = await call<ErrorBody>(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { rpm: 21 } });
    expect(tooHigh.status).toBe(400);
    expect(tooHigh.json.error).toMatchObject({ param: 'rpm', code: 'above_plan_limit' });
    expect((await call(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { rpm: 0 } })).status).toBe(400);
    expect((await call(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { burst: 5 } })).status).toBe(400);
    const set = await call<{ rate_limits: { rpm: number } }>(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { rpm: 2 } });
    expect(set.status).toBe(200);
    expect(set.json.rate_limits.rpm).toBe(2);
    for (let i = 0; i < 2; i++) expect((await call(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody() })).status).toBe(200);
    expect429Headers(await call(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody() }), 2);

    const view = await call<{
      plan: { slug: string; limits: Record<string, number> };
      keys: { key_id: string; limits: Record<string, number>; overrides: Record<string, number | null>; usage: Record<string, { used: number }> }[];
    }>(stack, 'GET', '/user/rate-limits', { auth: key });
    expect(view.json.plan).toEqual({ slug: 'free', limits: { rpm: 20, tpm: 40_000, tokens_per_day: 200_000, tokens_per_month: 2_000_000 } });
    const mine = view.json.keys.find((k) => k.key_id === keyId)!;
    expect(mine.limits.rpm).toBe(2);
    expect(mine.overrides).toMatchObject({ rpm: 2, tpm: null });
    expect(mine.usage.rpm!.used).toBe(2);
    // null goes back to the plan's limit.
    expect((await call<{ rate_limits: { rpm: number | null } }>(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { rpm: null } })).json.rate_limits.rpm).toBeNull();
  });

  it('layer 2 token budgets (per minute, day, month) refuse once spent, resetting at the window end', async () => {
    // The per-minute case must not straddle a minute boundary.
    await awayFromMinuteEdge();
    const cases = [
      { field: 'tpm', windowEnd: () => Math.ceil((Date.now() + 1) / 60_000) * 60 },
      { field: 'tokens_per_day', windowEnd: () => Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate() + 1) / 1000 },
      { field: 'tokens_per_month', windowEnd: () => Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth() + 1, 1) / 1000 },
    ];
    await Promise.all(
      cases.map(async ({ field, windowEnd }) => {
        const { key, keyId } = await stack.createKey({ plan: 'free' });
        expect((await call(stack, 'PUT', `/user/rate-limits/${keyId}`, { auth: key, body: { [field]: 30 } })).status).toBe(200);
        expect((await call(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody(LONG) })).status).toBe(200);
        // Tokens are counted when the response ends (off the request path).
        let r: Reply<ErrorBody> | undefined;
        for (let i = 0; i < 50; i++) {
          r = await call<ErrorBody>(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody() });
          if (r.status === 429) break;
          await sleep(20);
        }
        expect429Headers(r!, 30);
        expect(r!.json.error.code).toBe('token_limit_exceeded');
        expect(Number(r!.headers.get('x-ratelimit-reset'))).toBe(windowEnd());
      }),
    );
  });

  it('layer 3: free models answer without a key, under stricter per-IP limits; other models need a key', async () => {
    await awayFromMinuteEdge();
    const ip = freshIp();
    const first = await call<{ choices: { message: { content: string } }[] }>(stack, 'POST', '/v1/chat/completions', { ip, body: chatBody('anonymous hello') });
    expect(first.status).toBe(200);
    expect(first.json.choices[0]!.message.content).toBe('anonymous hello');
    expect(first.headers.get('x-ratelimit-limit-requests')).toBe(String(ANON_RPM));
    expect(first.headers.get('x-ratelimit-remaining-requests')).toBe(String(ANON_RPM - 1));
    // The usage event tells billing it was anonymous.
    const requestId = first.headers.get('x-request-id')!;
    const stream = bus.streamName('USAGE');
    let event;
    for (let i = 0; i < 100 && !event; i++) {
      const info = await bus.jsm.streams.info(stream);
      for (let seq = info.state.last_seq; seq > Math.max(0, info.state.last_seq - 100) && !event; seq--) {
        const msg = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
        if (msg?.header.get('Nats-Msg-Id') === requestId) event = fromJson(UsageRecordedSchema, msg.json<JsonValue>());
      }
      if (!event) await sleep(50);
    }
    expect(event).toMatchObject({ requestId, userId: '', keyId: '', model: 'sim/echo:free' });

    for (let i = 1; i < ANON_RPM; i++) expect((await call(stack, 'POST', '/v1/chat/completions', { ip, body: chatBody() })).status).toBe(200);
    const limited = await call<ErrorBody>(stack, 'POST', '/v1/chat/completions', { ip, body: { model: 'sim/lorem:free', messages: [{ role: 'user', content: 'x' }] } });
    expect429Headers(limited, ANON_RPM);
    expect(limited.json.error.code).toBe('anonymous_rate_limited');
    const anthropic = await call<{ type: string; error: { type: string } }>(stack, 'POST', '/v1/messages', { ip, body: { model: 'sim/echo:free', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] } });
    expect429Headers(anthropic, ANON_RPM);
    expect(anthropic.json).toMatchObject({ type: 'error', error: { type: 'rate_limit_error' } });

    const paid = await call<ErrorBody>(stack, 'POST', '/v1/chat/completions', { ip: freshIp(), body: { model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'x' }] } });
    expect(paid.status).toBe(401);
    expect(paid.json.error.code).toBe('missing_api_key');
    const broken = await call<ErrorBody>(stack, 'POST', '/v1/chat/completions', { ip: freshIp(), body: '{"model": "sim/echo:free", ' });
    expect(broken.status).toBe(401);
  });

  it('refuses to start with anonymous limits that are not stricter than every plan', async () => {
    const config = loadEdgeConfig({ ...stack.env, ANONYMOUS_RPM: '20' });
    await expect(startEdge(config)).rejects.toThrow(/ANONYMOUS_RPM: must be lower than every plan's requests per minute \(lowest: 20\)/);
  });

  it('billing.plan.changed updates the plan and the limits at once; an older event is ignored', async () => {
    const { key, userId } = await stack.createKey({ plan: 'free' });
    const limitNow = async () => (await call(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody() })).headers.get('x-ratelimit-limit-requests');
    expect(await limitNow()).toBe('20');
    const publish = (plan: string, occurredAtMs: number) =>
      bus.publish('billing.plan.changed', toJson(PlanChangedSchema, create(PlanChangedSchema, { userId, plan, occurredAtMs: BigInt(occurredAtMs) })), {
        msgId: `billing.plan.changed:${userId}:${occurredAtMs}`,
      });
    const now = Date.now();
    await publish('pro', now);
    let limit: string | null = '20';
    for (let i = 0; i < 100 && limit !== '300'; i++) {
      await sleep(20);
      limit = await limitNow();
    }
    expect(limit).toBe('300');
    expect((await stack.prisma.user.findUniqueOrThrow({ where: { id: userId } })).plan).toBe('pro');
    await publish('starter', now - 3_600_000);
    await sleep(300);
    expect((await stack.prisma.user.findUniqueOrThrow({ where: { id: userId } })).plan).toBe('pro');
    expect(await limitNow()).toBe('300');
  });
});
