import { randomUUID } from 'node:crypto';
import { balances, chat, lastLedgerId, ledgerSum, waitForSettled } from './support/billing';
import { OwnNatsServer } from './support/nats-server';
import { ownDatabase, startStack, type TestStack } from './support/stack';

jest.setTimeout(180_000);

/**
 * Issue 6 proof: NATS, and separately the billing service, die in the middle of 2,000 requests;
 * afterwards every completed request is settled exactly once (0 lost, 0 duplicated). Runs on
 * its own nats-server (temp store dir) so it can be killed, and its own database.
 */
describe('billing resilience: settlement survives NATS and billing restarts', () => {
  let nats: OwnNatsServer;
  let stack: TestStack;

  beforeAll(async () => {
    nats = await OwnNatsServer.start();
    // A database of its own too: this stack's billing publishes its outbox to its own NATS, and
    // must not take other test files' events (sharing one database) away from theirs.
    stack = await startStack({ env: { NATS_URL: nats.url, DATABASE_URL: await ownDatabase('resilience') } });
  });

  afterAll(async () => {
    await stack?.close();
    await nats?.stop();
  });

  /** `total` sim requests, `concurrency` at a time; `midway` runs once `at` requests completed. */
  async function run(key: string, total: number, at: number, midway: () => Promise<void>): Promise<{ ok: string[]; failed: number }> {
    const ok: string[] = [];
    let failed = 0;
    let next = 0;
    let done = 0;
    let fired: Promise<void> | undefined;
    const worker = async () => {
      while (next < total) {
        next++;
        const id = `res-${randomUUID()}`;
        const r = await chat(stack.url, key, { model: 'sim/echo', max_tokens: 16, messages: [{ role: 'user', content: 'settle me exactly once' }] }, { 'x-request-id': id });
        if (r.status === 200) ok.push(id);
        else failed++;
        if (++done === at) fired = midway();
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    await fired;
    return { ok, failed };
  }

  async function expectSettledExactlyOnce(userId: string, ok: string[], fromId: bigint, before: bigint): Promise<void> {
    await waitForSettled(stack.prisma, ok, 90_000);
    const ids = new Set(ok);
    const usage = await stack.prisma.usageRecord.findMany({ where: { userId, requestId: { in: ok } }, select: { requestId: true, status: true } });
    expect(usage).toHaveLength(ok.length);
    expect(usage.every((u) => u.status === 'success')).toBe(true);
    const rows = await stack.prisma.creditTransaction.findMany({ where: { userId, id: { gt: fromId } }, select: { requestId: true, kind: true, amountMicros: true } });
    const charges = rows.filter((r) => r.kind === 'api_usage');
    expect(charges).toHaveLength(ok.length);
    expect(new Set(charges.map((c) => c.requestId)).size).toBe(ok.length);
    expect(charges.every((c) => ids.has(c.requestId) && c.amountMicros < 0n)).toBe(true);
    const after = await balances(stack.prisma, userId);
    expect(after.balance - before).toBe((await ledgerSum(stack.prisma, userId, fromId)).sum);
  }

  it('NATS killed and restarted mid-run: every completed request settled exactly once', async () => {
    const { key, userId } = await stack.createKey();
    const before = (await balances(stack.prisma, userId)).balance;
    const fromId = await lastLedgerId(stack.prisma);
    const { ok, failed } = await run(key, 2_000, 600, async () => {
      await nats.kill();
      await new Promise((r) => setTimeout(r, 1_000));
      await nats.up();
    });
    // Authorize does not need NATS: nothing fails, events wait in the edge until NATS is back.
    expect(failed).toBe(0);
    expect(ok).toHaveLength(2_000);
    await expectSettledExactlyOnce(userId, ok, fromId, before);
    expect((await balances(stack.prisma, userId)).reserved).toBe(0n);
  });

  it('billing killed and restarted mid-run: every completed request settled exactly once', async () => {
    const { key, userId } = await stack.createKey();
    const before = (await balances(stack.prisma, userId)).balance;
    const fromId = await lastLedgerId(stack.prisma);
    const { ok, failed } = await run(key, 2_000, 600, async () => {
      await stack.restartBilling({ kill: true, downMs: 500 });
    });
    // While billing is down, Authorize fails closed (503): those requests are not served.
    expect(ok.length + failed).toBe(2_000);
    expect(ok.length).toBeGreaterThan(1_000);
    await expectSettledExactlyOnce(userId, ok, fromId, before);
  });
});
