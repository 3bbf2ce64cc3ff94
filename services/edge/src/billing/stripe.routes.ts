import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import { CREDIT_PACKAGES } from '@gatewayz/billing-ledger';
import { errors } from '@gatewayz/errors';
import { loadPlans } from '@gatewayz/plans';
import type { Payment } from '@gatewayz/proto';
import { caller, credits, iso, pageQuery, parse, usd, type BillingClient } from './http';

const WEBHOOK_LIMIT_BYTES = 1024 * 1024;

/** The exact request body, unparsed (Stripe signs these bytes). */
function rawBody(limit: number): RequestHandler {
  return (req, _res, next) => {
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit && !failed) {
        failed = true;
        next(errors.payloadTooLarge(limit));
      } else if (!failed) parts.push(chunk);
    });
    req.on('end', () => {
      if (failed) return;
      req.rawBody = Buffer.concat(parts, size);
      next();
    });
    req.on('error', () => {
      if (!failed) next(errors.invalidRequest('The request body could not be read.'));
    });
  };
}

function paymentJson(p: Payment) {
  return {
    id: p.id,
    type: p.kind,
    status: p.status,
    amount: p.amountCents / 100,
    amount_cents: p.amountCents,
    currency: p.currency,
    credits_added: credits(p.creditedMicros),
    credited: usd(p.creditedMicros),
    refunded: usd(p.refundedMicros),
    package_id: p.packageId || null,
    plan: p.plan || null,
    stripe_payment_intent_id: p.stripePaymentIntentId || null,
    stripe_invoice_id: p.stripeInvoiceId || null,
    created_at: iso(p.createdAtMs),
    paid_at: iso(p.paidAtMs),
  };
}

const urls = { success_url: z.url().max(2_000).optional(), cancel_url: z.url().max(2_000).optional() };
const paidPlan = z.enum(['starter', 'pro', 'enterprise']);

/** Stripe: packages (public), checkout, subscriptions, payments, and the webhook. */
export function stripeRoutes(deps: { billing: BillingClient; authenticate: RequestHandler; body: RequestHandler }): Router {
  const { billing, authenticate, body } = deps;
  const router = Router();
  const plans = loadPlans();
  const opts = (req: Request) => ({ requestId: req.id });

  router.get('/api/stripe/credit-packages', (_req, res) => {
    res.json({
      currency: 'USD',
      packages: CREDIT_PACKAGES.map((p) => ({ id: p.id, name: p.name, price: p.priceCents / 100, price_cents: p.priceCents, credits: credits(p.creditMicros + p.bonusMicros), bonus_credits: credits(p.bonusMicros) })),
    });
  });

  router.post('/api/stripe/checkout-session', authenticate, body, async (req, res) => {
    const b = parse(z.object({ package_id: z.string().min(1).max(64), ...urls }).strict(), req.body);
    const r = await billing.createCheckoutSession({ userId: caller(req).userId, packageId: b.package_id, successUrl: b.success_url ?? '', cancelUrl: b.cancel_url ?? '' }, opts(req));
    res.json({ session_id: r.sessionId, url: r.url, payment_id: r.paymentId });
  });

  router.post('/api/stripe/subscription-checkout', authenticate, body, async (req, res) => {
    const b = parse(z.object({ plan: paidPlan, ...urls }).strict(), req.body);
    const r = await billing.createSubscriptionCheckout({ userId: caller(req).userId, plan: b.plan, successUrl: b.success_url ?? '', cancelUrl: b.cancel_url ?? '' }, opts(req));
    res.json({ session_id: r.sessionId, url: r.url });
  });

  const change = (direction: 'upgrade' | 'downgrade'): RequestHandler => async (req, res) => {
    const b = parse(z.object({ plan: paidPlan }).strict(), req.body);
    const userId = caller(req).userId;
    const { account } = await billing.getAccount({ userId }, opts(req));
    const from = plans.bySlug(account!.plan)?.monthlyPriceMicros ?? 0n;
    const to = plans.bySlug(b.plan)!.monthlyPriceMicros;
    if (direction === 'upgrade' ? to <= from : to >= from) {
      throw errors.invalidRequest(`'${b.plan}' is not a${direction === 'upgrade' ? 'n upgrade' : ' downgrade'} from your '${account!.plan}' plan.`, 'plan');
    }
    const r = await billing.changeSubscription({ userId, plan: b.plan }, opts(req));
    res.json({ plan: r.plan, subscription_id: r.subscriptionId, status: r.status });
  };
  router.post('/api/stripe/subscription/upgrade', authenticate, body, change('upgrade'));
  router.post('/api/stripe/subscription/downgrade', authenticate, body, change('downgrade'));

  router.post('/api/stripe/subscription/cancel', authenticate, body, async (req, res) => {
    const b = parse(z.object({ immediately: z.boolean().default(false) }).strict(), req.body);
    const r = await billing.cancelSubscription({ userId: caller(req).userId, immediately: b.immediately }, opts(req));
    res.json({ subscription_id: r.subscriptionId, status: r.status, cancel_at_period_end: r.cancelAtPeriodEnd, plan: r.plan });
  });

  router.get('/api/stripe/payments', authenticate, async (req, res) => {
    const q = parse(pageQuery(100, 20), req.query);
    const r = await billing.listPayments({ userId: caller(req).userId, limit: q.limit, offset: q.offset }, opts(req));
    res.json({ payments: r.payments.map(paymentJson), total: Number(r.total), limit: q.limit, offset: q.offset });
  });

  // Stripe → us. Signature checked by billing on the exact bytes; 200 once accepted (even for
  // event types we ignore, and for a signed body we cannot read); 400 on a bad signature.
  router.post('/api/stripe/webhook', rawBody(WEBHOOK_LIMIT_BYTES), async (req, res) => {
    const signature = req.headers['stripe-signature'];
    if (typeof signature !== 'string' || signature.length === 0) throw errors.invalidRequest('Missing Stripe-Signature header.', 'stripe-signature', 'invalid_signature');
    const r = await billing.handleStripeWebhook({ payload: req.rawBody!, signature }, opts(req));
    res.json({ received: true, id: r.eventId || null, type: r.eventType || null, handled: r.handled });
  });
  return router;
}
