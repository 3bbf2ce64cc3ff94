import { randomUUID } from 'node:crypto';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { balances, chat, fundExactly, lastLedgerId, ledgerSum, waitForSettled, type ChatResult } from './support/billing';
import { startStack, type TestStack } from './support/stack';

/**
 * Issue 6 proof, against the real Postgres and NATS: reservations never let concurrent
 * requests overspend, 402s happen before any upstream call, the ledger accounts for every
 * micro-dollar, and one request id is served (and charged) once.
 */
// gpt-4o: $2.50/M in, $10/M out. The fake reports 10 + 5 tokens: 25 + 50 = 75 µ$ per request.
const COST = 75n;
const BODY = { model: 'openai/gpt-4o', max_tokens: 5, messages: [{ role: 'user', content: 'please answer this billing test question' }] };

jest.setTimeout(60_000);

describe('billing proof: concurrency, 402 before upstream, exact ledger, idempotency', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    upstream.setDefault({ kind: 'reply', content: 'one two three four five', usage: { prompt: 10, completion: 5 } });
    // 200 Authorize calls on one account queue behind its row lock: on a loaded CI machine the
    // last ones can wait longer than the default 2 s deadline. This test is about correctness.
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-test-upstream', OPENAI_BASE_URL: upstream.url, BILLING_TIMEOUT_MS: '20000' } });
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
  });

  async function flood(urls: string[], key: string, userId: string, n: number): Promise<{ results: ChatResult[]; ids: string[]; minBalance: bigint }> {
    const ids = Array.from({ length: n }, () => `proof-${randomUUID()}`);
    let minBalance = BigInt(Number.MAX_SAFE_INTEGER);
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const b = await balances(stack.prisma, userId);
        if (b.balance - b.reserved < minBalance) minBalance = b.balance - b.reserved;
        if (b.balance < minBalance) minBalance = b.balance;
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    const results = await Promise.all(ids.map((id, i) => chat(urls[i % urls.length]!, key, BODY, { 'x-request-id': id })));
    polling = false;
    await poll;
    return { results, ids, minBalance };
  }

  async function proveAtMost50(urls: string[]): Promise<void> {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    await fundExactly(stack, userId, 50n * COST);
    upstream.reset();
    upstream.setDefault({ kind: 'reply', content: 'one two three four five', usage: { prompt: 10, completion: 5 } });
    const before = await balances(stack.prisma, userId);
    const fromId = await lastLedgerId(stack.prisma);

    const { results, ids, minBalance } = await flood(urls, key, userId, 200);
    const served = results.filter((r) => r.status === 200);
    const refused = results.filter((r) => r.status === 402);
    expect(served.length + refused.length).toBe(200);
    expect(served.length).toBeLessThanOrEqual(50);
    expect(served.length).toBeGreaterThanOrEqual(48); // ⌊3750 / 78⌋ fit even with every reservation held
    // Every refusal happened before any upstream call: the provider saw exactly the served ones.
    expect(upstream.requests.length).toBe(served.length);
    for (const r of refused) {
      expect(r.body.error).toMatchObject({ type: 'insufficient_credits', code: 'insufficient_credits', purchase_url: expect.any(String), upgrade_url: expect.any(String) });
      expect(r.body.error!.required).toBeGreaterThan(0);
      expect(r.body.error!.balance).toBeGreaterThanOrEqual(0);
    }
    expect(served[0]!.headers.get('x-credits-remaining')).toMatch(/^\d+(\.\d{1,4})?$/);

    await waitForSettled(stack.prisma, ids.filter((_, i) => results[i]!.status === 200));
    const after = await balances(stack.prisma, userId);
    const ledger = await ledgerSum(stack.prisma, userId, fromId);
    expect(minBalance).toBeGreaterThanOrEqual(0n);
    expect(after.balance).toBeGreaterThanOrEqual(0n);
    expect(after.reserved).toBe(0n);
    expect(ledger.rows).toBe(served.length);
    expect(after.balance - before.balance).toBe(ledger.sum);
    expect(ledger.sum).toBe(-BigInt(served.length) * COST);
    // Nothing is left held: every reservation was closed by its settlement or never opened.
    expect(await stack.prisma.reservation.count({ where: { userId, status: 'held' } })).toBe(0);
  }

  it('200 concurrent requests on a balance that covers 50: at most 50 served, the rest 402 before any upstream call', async () => {
    await proveAtMost50([stack.url]);
  });

  it('the same with 3 edge replicas sharing the billing service', async () => {
    const a = await stack.startEdgeReplica();
    const b = await stack.startEdgeReplica();
    await proveAtMost50([stack.url, a.url, b.url]);
  });

  it('the same request id sent 10× concurrently: one upstream call, one charge, the rest 409', async () => {
    const { key, userId } = await stack.createKey();
    upstream.reset();
    upstream.setDefault({ kind: 'reply', content: 'one two three four five', usage: { prompt: 10, completion: 5 } });
    const id = `same-${randomUUID()}`;
    const results = await Promise.all(Array.from({ length: 10 }, () => chat(stack.url, key, BODY, { 'x-request-id': id })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    const dup = results.filter((r) => r.status === 409);
    expect(dup).toHaveLength(9);
    expect(dup[0]!.body.error).toMatchObject({ code: 'duplicate_request_id', type: 'invalid_request_error' });
    expect(upstream.requests).toHaveLength(1);
    await waitForSettled(stack.prisma, [id]);
    expect(await stack.prisma.creditTransaction.count({ where: { requestId: id } })).toBe(1);
    expect((await stack.prisma.creditTransaction.findFirstOrThrow({ where: { requestId: id } })).amountMicros).toBe(-COST);
    // Later retries with that id are refused too, and charge nothing more.
    expect((await chat(stack.url, key, BODY, { 'x-request-id': id })).status).toBe(409);
    expect(upstream.requests).toHaveLength(1);
    expect(await stack.prisma.creditTransaction.count({ where: { userId, kind: 'api_usage' } })).toBe(1);
  });
});
