import { randomUUID } from 'node:crypto';
import type Stripe from 'stripe';
import { fakeStripe, type FakeStripe } from '@gatewayz/testing';
import { api, balances, deliverWebhook, shuffled, waitFor } from './support/billing';
import { StreamReader } from './support/bus-reader';
import { startStack, type TestStack } from './support/stack';

jest.setTimeout(60_000);

/** Stripe through the edge and billing, against a local fake of the Stripe API. */
describe('billing: Stripe checkout, subscriptions and webhooks', () => {
  let stripe: FakeStripe;
  let stack: TestStack;
  let reader: StreamReader;
  /** When the running test began: event reads start there (StreamReader.messages). */
  let testStart = new Date();
  beforeEach(() => {
    testStart = new Date();
  });

  beforeAll(async () => {
    stripe = await fakeStripe();
    stack = await startStack({ env: { STRIPE_SECRET_KEY: 'sk_test_fake', STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: stripe.url } });
    reader = await StreamReader.connect();
  });

  afterAll(async () => {
    await reader.close();
    await stack.close();
    await stripe.close();
  });

  const purchaseRows = (userId: string) => stack.prisma.creditTransaction.findMany({ where: { userId, kind: { in: ['purchase', 'bonus', 'referral'] } }, orderBy: { id: 'asc' } });

  async function buy(key: string, packageId: string): Promise<{ sessionId: string; events: Stripe.Event[] }> {
    const r = await api<{ session_id: string; url: string }>(stack.url, key, 'POST', '/api/stripe/checkout-session', { package_id: packageId });
    expect(r.status).toBe(200);
    expect(r.body.url).toMatch(/^https:\/\//);
    return { sessionId: r.body.session_id, events: stripe.completeCheckout(r.body.session_id) };
  }

  it('lists credit packages publicly', async () => {
    const r = await api<{ packages: { id: string; price: number; credits: number }[] }>(stack.url, undefined, 'GET', '/api/stripe/credit-packages');
    expect(r.status).toBe(200);
    expect(r.body.packages.find((p) => p.id === 'credits_10')).toMatchObject({ price: 10, credits: 1_000 });
  });

  it('a paid checkout credits once, whatever the order and number of deliveries (each event 5×, shuffled)', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    const before = await balances(stack.prisma, userId);
    const { events } = await buy(key, 'credits_25');
    const pending = await api<{ payments: { status: string }[]; total: number }>(stack.url, key, 'GET', '/api/stripe/payments');
    expect(pending.body.payments[0]!.status).toBe('pending');

    const deliveries = shuffled(events.flatMap((e) => Array.from({ length: 5 }, () => e)), 7);
    const answers = await Promise.all(deliveries.map((e, i) => (i % 2 === 0 ? deliverWebhook(stack.url, stripe.deliver(e)) : new Promise((r) => setTimeout(r, i)).then(() => deliverWebhook(stack.url, stripe.deliver(e))))));
    expect(answers.every((a) => a.status === 200 && a.body.received === true)).toBe(true);

    await waitFor(async () => (await stack.prisma.stripeEvent.count({ where: { id: { in: events.map((e) => e.id) } } })) === 3, 'all three events applied');
    const rows = await purchaseRows(userId);
    expect(rows.map((r) => [r.kind, r.amountMicros])).toEqual([['purchase', 25_000_000n]]);
    expect((await balances(stack.prisma, userId)).purchased - before.purchased).toBe(25_000_000n);
    const payments = await api<{ payments: { status: string; amount: number; credits_added: number }[]; total: number }>(stack.url, key, 'GET', '/api/stripe/payments?limit=1');
    expect(payments.body).toMatchObject({ total: 1, payments: [{ status: 'paid', amount: 25, credits_added: 2_500 }] });
  });

  it('a bad signature is refused with 400 and credits nothing; a stale one too', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    const { events } = await buy(key, 'credits_10');
    const forged = stripe.deliver(events[2]!, { secret: 'whsec_not_the_secret' });
    expect((await deliverWebhook(stack.url, forged)).status).toBe(400);
    const stale = stripe.deliver(events[2]!, { timestamp: Math.floor(Date.now() / 1000) - 3_600 });
    const r = await deliverWebhook(stack.url, stale);
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ error: { code: 'invalid_signature' } });
    const missing = await fetch(`${stack.url}/api/stripe/webhook`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: stale.payload });
    expect(missing.status).toBe(400);
    await new Promise((r) => setTimeout(r, 300));
    expect(await purchaseRows(userId)).toEqual([]);
  });

  it('answers 200 to a signed body it cannot use (malformed, or an event type it ignores)', async () => {
    const payload = '{"this is": "not an event"';
    const malformed = await deliverWebhook(stack.url, { payload, signature: (await import('stripe')).default.webhooks.generateTestHeaderString({ payload, secret: stripe.webhookSecret }) });
    expect(malformed).toMatchObject({ status: 200, body: { received: true, handled: false } });
    const ignored = { id: `evt_${randomUUID()}`, object: 'event', type: 'customer.created', created: Math.floor(Date.now() / 1000), data: { object: { id: 'cus_x', object: 'customer' } } } as unknown as Stripe.Event;
    expect(await deliverWebhook(stack.url, stripe.deliver(ignored))).toMatchObject({ status: 200, body: { handled: false, type: 'customer.created' } });
  });

  it('a refund takes the refunded credits back, once', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    const { events } = await buy(key, 'credits_10');
    for (const e of events) await deliverWebhook(stack.url, stripe.deliver(e));
    await waitFor(async () => (await balances(stack.prisma, userId)).purchased === 10_000_000n, 'the purchase');
    const chargeId = (events.find((e) => e.type === 'charge.succeeded')!.data.object as { id: string }).id;
    const refund = stripe.refund(chargeId, 400);
    for (let i = 0; i < 3; i++) expect((await deliverWebhook(stack.url, stripe.deliver(refund))).status).toBe(200);
    await waitFor(async () => (await balances(stack.prisma, userId)).purchased === 6_000_000n, 'the refund');
    await new Promise((r) => setTimeout(r, 200));
    expect((await balances(stack.prisma, userId)).purchased).toBe(6_000_000n);
    const payments = await api<{ payments: { status: string; refunded: number }[] }>(stack.url, key, 'GET', '/api/stripe/payments');
    expect(payments.body.payments[0]).toMatchObject({ status: 'partially_refunded', refunded: 4 });
  });

  it('reconciliation applies events that were never delivered', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    await buy(key, 'credits_10'); // events created at Stripe, never delivered
    expect(await stack.billing.tasks.reconcile()).toBeGreaterThanOrEqual(1);
    await waitFor(async () => (await balances(stack.prisma, userId)).purchased === 10_000_000n, 'the reconciled purchase');
    await stack.billing.tasks.reconcile();
    expect((await purchaseRows(userId)).filter((r) => r.kind === 'purchase')).toHaveLength(1);
  });

  it('subscription checkout assigns the plan once; upgrade, downgrade and cancel follow Stripe; plan changes are published', async () => {
    const { key, userId } = await stack.createKey({ billing: 'trial' });
    const r = await api<{ session_id: string; url: string }>(stack.url, key, 'POST', '/api/stripe/subscription-checkout', { plan: 'pro' });
    expect(r.status).toBe(200);
    const events = stripe.completeCheckout(r.body.session_id);
    for (const e of shuffled([...events, ...events, ...events], 3)) expect((await deliverWebhook(stack.url, stripe.deliver(e))).status).toBe(200);
    await waitFor(async () => (await stack.prisma.billingAccount.findUniqueOrThrow({ where: { userId } })).plan === 'pro', 'plan pro');
    await waitFor(async () => (await stack.prisma.stripeEvent.count({ where: { id: { in: events.map((e) => e.id) } } })) === 3, 'events applied');
    let account = await balances(stack.prisma, userId);
    expect(account.allowance).toBe(50_000_000n); // the trial credit expired; the Pro allowance granted once
    expect(await stack.prisma.creditTransaction.count({ where: { userId, kind: 'subscription_grant' } })).toBe(1);
    const invoices = await api<{ payments: { type: string; status: string; amount: number }[] }>(stack.url, key, 'GET', '/api/stripe/payments');
    expect(invoices.body.payments).toEqual([expect.objectContaining({ type: 'subscription', status: 'paid', amount: 50 })]);

    expect((await api(stack.url, key, 'POST', '/api/stripe/subscription/upgrade', { plan: 'starter' })).status).toBe(400);
    const up = await api<{ plan: string }>(stack.url, key, 'POST', '/api/stripe/subscription/upgrade', { plan: 'enterprise' });
    expect(up).toMatchObject({ status: 200, body: { plan: 'enterprise' } });
    account = await balances(stack.prisma, userId);
    expect(account.allowance).toBe(500_000_000n);
    const down = await api<{ plan: string }>(stack.url, key, 'POST', '/api/stripe/subscription/downgrade', { plan: 'starter' });
    expect(down).toMatchObject({ status: 200, body: { plan: 'starter' } });
    expect((await balances(stack.prisma, userId)).allowance).toBe(500_000_000n); // paid for this month

    const cancel = await api<{ cancel_at_period_end: boolean; plan: string }>(stack.url, key, 'POST', '/api/stripe/subscription/cancel', {});
    expect(cancel.body).toMatchObject({ cancel_at_period_end: true, plan: 'starter' });
    const subId = (await stack.prisma.billingAccount.findUniqueOrThrow({ where: { userId } })).stripeSubscriptionId!;
    const ended = stripe.setSubscription(subId, { status: 'canceled' });
    expect((await deliverWebhook(stack.url, stripe.deliver(ended))).status).toBe(200);
    await waitFor(async () => (await stack.prisma.billingAccount.findUniqueOrThrow({ where: { userId } })).plan === 'free', 'plan free');
    // A late replay of the creation event re-reads the (canceled) subscription: still free.
    expect((await deliverWebhook(stack.url, stripe.deliver(events.find((e) => e.type === 'customer.subscription.created')!))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await stack.prisma.billingAccount.findUniqueOrThrow({ where: { userId } })).plan).toBe('free');

    let seen: unknown[] = [];
    await waitFor(async () => (seen = (await reader.messages('EVENTS', 'billing.plan.changed', testStart)).filter((m) => m.json.userId === userId).map((m) => m.json.plan)).length >= 4, 'PlanChanged events').catch(async (err: Error) => {
      const outbox = await stack.prisma.$queryRawUnsafe<unknown[]>(`SELECT id, subject, msg_id FROM billing_outbox`);
      throw new Error(`${err.message}; seen ${JSON.stringify(seen)}; outbox ${JSON.stringify(outbox, (_, v) => (typeof v === 'bigint' ? String(v) : v))}`);
    });
    const plans = (await reader.messages('EVENTS', 'billing.plan.changed', testStart)).filter((m) => m.json.userId === userId).map((m) => m.json.plan);
    expect(plans).toEqual(['pro', 'enterprise', 'starter', 'free']);
  });

  it('a referral pays $10 to both sides on the referee’s first purchase of at least $10', async () => {
    const referrer = await stack.createKey({ billing: 'trial' });
    const code = (await api<{ code: string }>(stack.url, referrer.key, 'POST', '/referral/generate')).body.code;
    const referee = await stack.createKey({ billing: 'trial' });
    await reader.publish('identity.user.registered', { userId: referee.userId, email: 'referee@example.com', referralCode: code, occurredAtMs: String(Date.now()) }, referee.userId);
    await waitFor(async () => (await stack.prisma.referral.count({ where: { refereeId: referee.userId } })) === 1, 'the referral attached');

    const { events } = await buy(referee.key, 'credits_10');
    for (const e of events) await deliverWebhook(stack.url, stripe.deliver(e));
    await waitFor(async () => (await balances(stack.prisma, referrer.userId)).purchased === 10_000_000n, 'the referrer bonus');
    expect((await balances(stack.prisma, referee.userId)).purchased).toBe(20_000_000n);
    // A second purchase rewards nobody again.
    const second = await buy(referee.key, 'credits_10');
    for (const e of second.events) await deliverWebhook(stack.url, stripe.deliver(e));
    await waitFor(async () => (await balances(stack.prisma, referee.userId)).purchased === 30_000_000n, 'the second purchase');
    expect((await balances(stack.prisma, referrer.userId)).purchased).toBe(10_000_000n);
    const stats = await api<{ total_referred: number; conversions: number; rewards_earned: number }>(stack.url, referrer.key, 'GET', '/referral/stats');
    expect(stats.body).toMatchObject({ total_referred: 1, conversions: 1, rewards_earned: 10 });
  });
});
