import Stripe from 'stripe';
import type { PrismaClient } from '@gatewayz/db';
import { GatewayError } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { PaymentsStore } from './payments';
import { idOf, planOfSubscription } from './stripe-api';
import { HANDLED_EVENT_TYPES, markEvent, type EventMark } from './stripe-events';
import type { SubscriptionsStore } from './subscriptions';

const HANDLED = new Set<string>(HANDLED_EVENT_TYPES);
const TX = { maxWait: 10_000, timeout: 20_000 };

/** What processing needs of an event: its id, type, time, and the id of its object. */
export interface ProcessableEvent {
  id: string;
  type: string;
  created: number;
  data: { object: { id?: string } };
}

/**
 * Stripe webhooks: the signature is checked on the raw body (timestamp tolerance included)
 * and the event is acknowledged at once; applying it happens after the answer. Every handler
 * re-reads the object from Stripe and applies its current state, inside a transaction that
 * also records the event id (stripe_events), so a replayed or reordered event is a no-op and a
 * failed one is retried by reconciliation (Stripe's event list, re-read periodically).
 */
export class StripeWebhooks {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly stripe: Stripe,
    private readonly options: { webhookSecret?: string; toleranceS: number },
    private readonly prisma: PrismaClient,
    private readonly payments: PaymentsStore,
    private readonly subscriptions: SubscriptionsStore,
    private readonly logger: Logger,
  ) {}

  /** Verifies and accepts; 400 on a bad signature (nothing is applied). */
  receive(payload: Uint8Array, signature: string): { id: string; type: string; handled: boolean } {
    const secret = this.options.webhookSecret;
    if (!secret) throw new GatewayError({ code: 'webhooks_not_configured', message: 'Stripe webhooks are not configured (STRIPE_WEBHOOK_SECRET).', status: 503 });
    const text = Buffer.from(payload).toString('utf8');
    try {
      Stripe.webhooks.signature!.verifyHeader(text, signature, secret, this.options.toleranceS);
    } catch {
      throw new GatewayError({ code: 'invalid_signature', message: 'The Stripe-Signature header does not match the payload (or is outside the tolerance window).', status: 400 });
    }
    let event: ProcessableEvent;
    try {
      event = JSON.parse(text) as ProcessableEvent;
      if (typeof event?.id !== 'string' || typeof event.type !== 'string' || !event.data?.object) throw new Error('not an event');
    } catch {
      // Signed by Stripe but not an event we can read: acknowledged (never retried), logged.
      this.logger.error('signed Stripe webhook is not a readable event');
      return { id: '', type: '', handled: false };
    }
    const handled = HANDLED.has(event.type);
    if (handled) this.track(this.process(event));
    return { id: event.id, type: event.type, handled };
  }

  private track(p: Promise<void>): void {
    const wrapped = p.catch((err: unknown) => {
      this.logger.error('Stripe event processing failed; reconciliation will retry', { err });
    });
    this.inFlight.add(wrapped);
    void wrapped.finally(() => this.inFlight.delete(wrapped));
  }

  /** Applies one event (re-reading its object). Safe to call any number of times, in any order. */
  async process(event: ProcessableEvent): Promise<void> {
    const objectId = event.data.object.id;
    const mark: EventMark = { id: event.id, type: event.type, objectId, created: event.created };
    if (!objectId) return;
    switch (event.type) {
      case 'checkout.session.completed':
      case 'checkout.session.async_payment_succeeded':
        return this.checkoutCompleted(mark, objectId);
      case 'payment_intent.succeeded':
        return this.paymentIntentSucceeded(mark, objectId);
      case 'charge.succeeded': {
        const charge = await this.stripe.charges.retrieve(objectId);
        const pi = idOf(charge.payment_intent);
        if (charge.status !== 'succeeded' || !pi) return this.markOnly(mark);
        return this.paymentIntentSucceeded(mark, pi, charge.id);
      }
      case 'charge.refunded': {
        const charge = await this.stripe.charges.retrieve(objectId);
        await this.payments.refund({ mark, charge });
        return;
      }
      case 'invoice.paid':
        return this.invoicePaid(mark, objectId);
      case 'customer.subscription.created':
      case 'customer.subscription.updated':
      case 'customer.subscription.deleted': {
        const sub = await this.stripe.subscriptions.retrieve(objectId);
        await this.prisma.$transaction(async (tx) => {
          if (await markEvent(tx, mark)) await this.subscriptions.applyInTx(tx, sub);
        }, TX);
        return;
      }
      default:
        return;
    }
  }

  private async markOnly(mark: EventMark): Promise<void> {
    await this.prisma.$transaction((tx) => markEvent(tx, mark), TX);
  }

  private async checkoutCompleted(mark: EventMark, sessionId: string): Promise<void> {
    const session = await this.stripe.checkout.sessions.retrieve(sessionId);
    if (session.mode === 'subscription') {
      const subId = idOf(session.subscription);
      if (!subId) return this.markOnly(mark);
      const sub = await this.stripe.subscriptions.retrieve(subId);
      await this.prisma.$transaction(async (tx) => {
        if (await markEvent(tx, mark)) await this.subscriptions.applyInTx(tx, sub);
      }, TX);
      return;
    }
    if (session.payment_status !== 'paid') return; // async payment: wait for the success event
    await this.payments.creditPaid({
      mark,
      paymentId: session.metadata?.payment_id,
      sessionId: session.id,
      paymentIntentId: idOf(session.payment_intent),
      amountCents: session.amount_total ?? 0,
    });
  }

  private async paymentIntentSucceeded(mark: EventMark, paymentIntentId: string, chargeId?: string): Promise<void> {
    const pi = await this.stripe.paymentIntents.retrieve(paymentIntentId);
    if (pi.status !== 'succeeded') return this.markOnly(mark);
    await this.payments.creditPaid({ mark, paymentId: pi.metadata?.payment_id, paymentIntentId: pi.id, chargeId: chargeId ?? idOf(pi.latest_charge), amountCents: pi.amount_received });
  }

  private async invoicePaid(mark: EventMark, invoiceId: string): Promise<void> {
    const invoice = await this.stripe.invoices.retrieve(invoiceId);
    const subId = idOf(invoice.parent?.subscription_details?.subscription);
    if (!subId || invoice.status !== 'paid') return this.markOnly(mark);
    const sub = await this.stripe.subscriptions.retrieve(subId);
    const userId = await this.subscriptions.userOf(sub);
    await this.prisma.$transaction(async (tx) => {
      if (!(await markEvent(tx, mark)) || !userId) return;
      const account = await this.subscriptions.applyInTx(tx, sub);
      if (account) await this.payments.recordInvoice(tx, { userId, invoice, plan: planOfSubscription(sub) });
    }, TX);
  }

  /** Re-reads recent events from Stripe and applies the ones never applied (missed deliveries). */
  async reconcile(lookbackHours: number): Promise<number> {
    const since = Math.floor(Date.now() / 1000) - lookbackHours * 3600;
    let applied = 0;
    for await (const event of this.stripe.events.list({ created: { gte: since }, types: [...HANDLED_EVENT_TYPES], limit: 100 })) {
      const known = await this.prisma.stripeEvent.findUnique({ where: { id: event.id }, select: { id: true } });
      if (known) continue;
      try {
        await this.process(event as unknown as ProcessableEvent);
        applied++;
      } catch (err) {
        this.logger.error('reconciliation could not apply a Stripe event', { event: event.id, err });
      }
    }
    return applied;
  }

  /** Waits for events accepted but still being applied. */
  async drain(): Promise<void> {
    await Promise.all([...this.inFlight]);
  }
}
