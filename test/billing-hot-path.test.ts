import { randomUUID } from 'node:crypto';
import { create } from '@bufbuild/protobuf';
import { AuthorizeRequestSchema, RequestStatus, UsageRecordedSchema } from '@gatewayz/proto';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { balances, chat, fundExactly, waitFor, waitForSettled } from './support/billing';
import { StreamReader } from './support/bus-reader';
import { startStack, type TestStack } from './support/stack';

jest.setTimeout(60_000);

// gpt-4o ($2.50/M in, $10/M out). This prompt is estimated at 11 tokens; the fake reports 11 + 5:
// reservation = actual = ⌈11 × 2.5 + 5 × 10⌉ = 78 µ$.
const PROMPT = 'x'.repeat(40);
const BODY = { model: 'openai/gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: PROMPT }] };
const EXACT = 78n;

/** Authorize on the hot path and settlement, through the edge, against the real stores. */
describe('billing on the inference hot path', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;
  let reader: StreamReader;
  /** When the running test began: event reads start there (StreamReader.messages). */
  let testStart = new Date();
  beforeEach(() => {
    testStart = new Date();
  });

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-test-upstream', OPENAI_BASE_URL: upstream.url } });
    reader = await StreamReader.connect();
    // A test-only catalog row: a premium model nobody priced (sim/echo:free, an explicitly free
    // variant, is in the catalog itself).
    await stack.prisma.model.createMany({
      data: [{ id: 'openai/gpt-4-unpriced-test', name: 'unpriced', ownedBy: 'openai', contextLength: 8192, maxOutputTokens: 1024 }],
      skipDuplicates: true,
    });
    await stack.prisma.modelPrice.createMany({
      data: [{ modelId: 'openai/gpt-4-unpriced-test', providerSlug: 'openai', nativeModelId: 'gpt-4', promptPerMtok: 0n, completionPerMtok: 0n }],
      skipDuplicates: true,
    });
    await stack.routing.store.refresh();
  });

  afterAll(async () => {
    await stack.prisma.model.deleteMany({ where: { id: 'openai/gpt-4-unpriced-test' } });
    await reader.close();
    await stack.close();
    await upstream.close();
  });

  beforeEach(() => {
    upstream.reset();
    upstream.setDefault({ kind: 'reply', content: 'one two three four five', usage: { prompt: 11, completion: 5 } });
  });

  it('opens the account with the trial on first use and reports the credits left', async () => {
    const { key, userId } = await stack.createKey({ billing: 'lazy' });
    expect(await stack.prisma.billingAccount.findUnique({ where: { userId } })).toBeNull();
    const r = await chat(stack.url, key, BODY);
    expect(r.status).toBe(200);
    // $5 trial = 500 credits, minus the 78 µ$ (0.0078 credits) held for this request.
    expect(r.headers.get('x-credits-remaining')).toBe('499.9922');
    const trial = await stack.prisma.creditTransaction.findFirstOrThrow({ where: { userId, kind: 'trial' } });
    expect(trial.amountMicros).toBe(5_000_000n);
  });

  it('0 credits: 402 before any upstream call, with balance, required and links', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    await fundExactly(stack, userId, 0n);
    const r = await chat(stack.url, key, BODY);
    expect(r.status).toBe(402);
    expect(r.body.error).toMatchObject({
      type: 'insufficient_credits',
      code: 'insufficient_credits',
      param: null,
      balance: 0,
      required: 0.000078,
      currency: 'USD',
      purchase_url: '/api/stripe/credit-packages',
      upgrade_url: '/plans',
    });
    expect(upstream.requests).toHaveLength(0);
  });

  it('a premium model without a price is refused before any provider call', async () => {
    const { key } = await stack.createKey();
    const r = await chat(stack.url, key, { ...BODY, model: 'openai/gpt-4-unpriced-test' });
    expect(r.status).toBe(400);
    expect(r.body.error).toMatchObject({ code: 'model_pricing_unavailable', param: 'model', type: 'invalid_request_error' });
    expect(upstream.requests).toHaveLength(0);
  });

  it('an expired trial gets 402 on paid models and still reaches :free models, for free', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    // Travel past the trial's end, then let the period job expire the credit.
    await stack.prisma.billingAccount.update({ where: { userId }, data: { trialEndsAt: new Date(Date.now() - 1_000), allowanceExpiresAt: new Date(Date.now() - 1_000) } });
    await stack.billing.tasks.periods();
    expect((await stack.prisma.creditTransaction.findFirstOrThrow({ where: { userId, kind: 'allowance_expiry' } })).amountMicros).toBe(-5_000_000n);
    const paid = await chat(stack.url, key, BODY);
    expect(paid.status).toBe(402);
    expect(paid.body.error).toMatchObject({ code: 'trial_expired' });
    const status = await fetch(`${stack.url}/trial/status`, { headers: { authorization: `Bearer ${key}` } });
    expect(await status.json()).toMatchObject({ status: 'expired', is_expired: true, days_remaining: 0 });
    const id = `free-${randomUUID()}`;
    const free = await chat(stack.url, key, { model: 'sim/echo:free', messages: [{ role: 'user', content: 'free for all' }] }, { 'x-request-id': id });
    expect(free.status).toBe(200);
    await waitForSettled(stack.prisma, [id]);
    expect((await stack.prisma.usageRecord.findUniqueOrThrow({ where: { requestId: id } })).costMicros).toBe(0n);
    expect((await balances(stack.prisma, userId)).balance).toBe(0n);
  });

  it('spends the subscription allowance before purchased credits', async () => {
    const { key, userId } = await stack.createKey({ billing: 'starter' });
    await stack.billing.core.accounts.adminCredit({ op: 'add', userId, amountMicros: 5_000_000n, actorId: 'test', reason: 'test setup', idempotencyKey: randomUUID() });
    const before = await balances(stack.prisma, userId);
    const id = `allow-${randomUUID()}`;
    expect((await chat(stack.url, key, BODY, { 'x-request-id': id })).status).toBe(200);
    await waitForSettled(stack.prisma, [id]);
    const row = await stack.prisma.creditTransaction.findFirstOrThrow({ where: { requestId: id, kind: 'api_usage' } });
    expect(row).toMatchObject({ amountMicros: -EXACT, allowanceDeltaMicros: -EXACT, purchasedDeltaMicros: 0n, model: 'openai/gpt-4o', provider: 'openai', inputTokens: 11, outputTokens: 5 });
    const after = await balances(stack.prisma, userId);
    expect(after.purchased).toBe(before.purchased);
    expect(after.allowance).toBe(before.allowance - EXACT);
  });

  it('a provider 5xx or a cut stream is never charged and releases its reservation', async () => {
    const { key, userId } = await stack.createKey();
    const before = await balances(stack.prisma, userId);
    upstream.setDefault({ kind: 'status', status: 500, message: 'boom' });
    const failedId = `5xx-${randomUUID()}`;
    expect((await chat(stack.url, key, BODY, { 'x-request-id': failedId })).status).toBe(502);
    upstream.setDefault({ kind: 'cut', afterChunks: 1 });
    const cutId = `cut-${randomUUID()}`;
    expect((await chat(stack.url, key, { ...BODY, stream: true }, { 'x-request-id': cutId })).status).toBe(200);
    await waitForSettled(stack.prisma, [failedId, cutId]);
    const usage = await stack.prisma.usageRecord.findMany({ where: { requestId: { in: [failedId, cutId] } } });
    expect(usage.map((u) => [u.status, u.costMicros])).toEqual([
      ['failed', 0n],
      ['failed', 0n],
    ]);
    expect(await stack.prisma.creditTransaction.count({ where: { requestId: { in: [failedId, cutId] } } })).toBe(0);
    expect(await stack.prisma.reservation.count({ where: { requestId: { in: [failedId, cutId] }, status: 'released' } })).toBe(2);
    expect(await balances(stack.prisma, userId)).toEqual(before);
  });

  it('enforces the trial’s $1 daily limit with 402 daily_cap', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    upstream.setDefault({ kind: 'reply', content: 'long answer', usage: { prompt: 10, completion: 16_000 } }); // 160,025 µ$ each
    const body = { ...BODY, max_tokens: 16_384 };
    let served = 0;
    for (;;) {
      const id = `cap-${randomUUID()}`;
      const r = await chat(stack.url, key, body, { 'x-request-id': id });
      if (r.status !== 200) {
        expect(r.status).toBe(402);
        expect(r.body.error).toMatchObject({ code: 'daily_cap', daily_limit: 1, type: 'insufficient_credits' });
        break;
      }
      served++;
      await waitForSettled(stack.prisma, [id]);
      expect(served).toBeLessThan(10);
    }
    expect(served).toBe(6);
    const account = await stack.prisma.billingAccount.findUniqueOrThrow({ where: { userId } });
    expect(account.daySpentMicros).toBe(6n * 160_025n);
    expect(upstream.requests).toHaveLength(6);
  });

  it('the sweeper releases a reservation that never settled; a late usage event is still charged once', async () => {
    const { keyId, userId } = await stack.createKey({ billing: 'trial' });
    const requestId = `orphan-${randomUUID()}`;
    const price = { promptPerMtok: 2_500_000n, completionPerMtok: 10_000_000n, cacheReadPerMtok: 2_500_000n, cacheWritePerMtok: 2_500_000n, perRequest: 0n, perImage: 0n };
    const routes = [{ provider: 'openai', nativeModel: 'gpt-4o', price }];
    const held = await stack.billing.core.authorize.authorize(create(AuthorizeRequestSchema, { requestId, userId, keyId, model: 'openai/gpt-4o', routes, promptTokens: 11, maxOutputTokens: 5 }));
    expect(held.reservedMicros).toBe(EXACT);
    expect((await balances(stack.prisma, userId)).reserved).toBe(EXACT);
    await stack.prisma.reservation.update({ where: { requestId }, data: { expiresAt: new Date(Date.now() - 1) } }); // the edge died; time passes
    expect(await stack.billing.tasks.sweep()).toBeGreaterThanOrEqual(1);
    expect((await stack.prisma.reservation.findUniqueOrThrow({ where: { requestId } })).status).toBe('expired');
    expect((await balances(stack.prisma, userId)).reserved).toBe(0n);
    const late = create(UsageRecordedSchema, {
      requestId,
      userId,
      keyId,
      model: 'openai/gpt-4o',
      provider: 'openai',
      status: RequestStatus.SUCCESS,
      costMicros: EXACT,
      usage: { inputTokens: 11, outputTokens: 5 },
      occurredAtMs: BigInt(Date.now()),
    });
    await stack.billing.settle([late, late]);
    await stack.billing.settle([late]);
    expect(await stack.prisma.creditTransaction.count({ where: { requestId } })).toBe(1);
    expect((await balances(stack.prisma, userId)).reserved).toBe(0n);
  });

  it('publishes credits.low when the balance crosses the threshold, and credits.depleted at zero', async () => {
    const low = await stack.createKey({ billing: 'trial' });
    await fundExactly(stack, low.userId, 1_000_000n + EXACT);
    const depleted = await stack.createKey({ billing: 'trial' });
    await fundExactly(stack, depleted.userId, EXACT);
    expect((await chat(stack.url, low.key, BODY)).status).toBe(200);
    expect((await chat(stack.url, depleted.key, BODY)).status).toBe(200);
    expect((await chat(stack.url, depleted.key, BODY)).status).toBe(402);
    await waitFor(async () => (await reader.messages('EVENTS', 'billing.credits.low', testStart)).some((m) => m.json.userId === low.userId), 'credits.low');
    await waitFor(async () => (await reader.messages('EVENTS', 'billing.credits.depleted', testStart)).some((m) => m.json.userId === depleted.userId), 'credits.depleted');
    const lowEvent = (await reader.messages('EVENTS', 'billing.credits.low', testStart)).find((m) => m.json.userId === low.userId)!;
    expect(lowEvent.json).toMatchObject({ availableMicros: '1000000', thresholdMicros: '1000000' });
    expect((await reader.messages('EVENTS', 'billing.credits.low', testStart)).some((m) => m.json.userId === depleted.userId)).toBe(false);
  });
});
