import { setTimeout as sleep } from 'node:timers/promises';
import type { PrismaClient } from '@gatewayz/db';
import type { TestStack } from './stack';

/** Helpers for billing tests: balances straight from the ledger tables, and settlement waits. */
export interface Balances {
  allowance: bigint;
  purchased: bigint;
  reserved: bigint;
  /** allowance + purchased */
  balance: bigint;
}

export async function balances(prisma: PrismaClient, userId: string): Promise<Balances> {
  const a = await prisma.billingAccount.findUniqueOrThrow({ where: { userId } });
  return { allowance: a.allowanceMicros, purchased: a.purchasedMicros, reserved: a.reservedMicros, balance: a.allowanceMicros + a.purchasedMicros };
}

/** Σ amount of the user's ledger rows with id > afterId. */
export async function ledgerSum(prisma: PrismaClient, userId: string, afterId = 0n): Promise<{ sum: bigint; rows: number }> {
  const r = await prisma.creditTransaction.aggregate({ where: { userId, id: { gt: afterId } }, _sum: { amountMicros: true }, _count: true });
  return { sum: r._sum.amountMicros ?? 0n, rows: r._count };
}

export async function lastLedgerId(prisma: PrismaClient): Promise<bigint> {
  const r = await prisma.creditTransaction.aggregate({ _max: { id: true } });
  return r._max.id ?? 0n;
}

/**
 * Waits until every request id has its usage record (= settled), or throws. Suites share the
 * durable consumer, so an event may have gone to the billing of a stack that was closing: it
 * is settled after JetStream's ack wait (10 s), which the default timeout covers.
 */
export async function waitForSettled(prisma: PrismaClient, requestIds: string[], timeoutMs = 25_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const n = await prisma.usageRecord.count({ where: { requestId: { in: requestIds } } });
    if (n === requestIds.length) return;
    if (Date.now() > until) throw new Error(`${requestIds.length - n} of ${requestIds.length} requests not settled after ${timeoutMs} ms`);
    await sleep(50);
  }
}

export async function waitFor(check: () => Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * Gives a trial user exactly `micros` to spend and no daily cap, through the product's own
 * path (a partner trial program with that credit).
 */
export async function fundExactly(stack: TestStack, userId: string, micros: bigint): Promise<void> {
  const code = `EXACT${micros}`;
  await stack.billing.core.partners.upsert({ code, name: 'test funding', plan: 'free', trialDays: 14, creditMicros: micros, dailyCapMicros: null, active: true });
  const program = (await stack.billing.core.partners.get(code))!;
  await stack.billing.core.accounts.startPartnerTrial({ userId, partner: { code: program.code, plan: 'free', trialDays: 14, creditMicros: micros, dailyCapMicros: null } });
}

export interface ChatResult {
  status: number;
  body: Record<string, unknown> & { error?: Record<string, unknown> };
  headers: Headers;
}

export async function chat(url: string, key: string, body: object, headers: Record<string, string> = {}): Promise<ChatResult> {
  const res = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: ChatResult['body'];
  try {
    parsed = JSON.parse(text) as ChatResult['body'];
  } catch {
    parsed = { raw: text };
  }
  return { status: res.status, body: parsed, headers: res.headers };
}

/** Signed delivery of a Stripe event to the edge's webhook endpoint. */
export async function deliverWebhook(url: string, delivery: { payload: string; signature: string }): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${url}/api/stripe/webhook`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'stripe-signature': delivery.signature },
    body: delivery.payload,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** JSON API call with an API key. */
export async function api<T = Record<string, unknown>>(url: string, key: string | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: T; text: string; headers: Headers }> {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // CSV and other text bodies stay text
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}

/** Deterministic shuffle (a seeded LCG), so a failing order can be replayed. */
export function shuffled<T>(items: T[], seed = 42): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
