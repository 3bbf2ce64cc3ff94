import type { MessageInitShape } from '@bufbuild/protobuf';
import type { PaymentModel as Payment } from '@gatewayz/db';
import type { BillingService, PaymentSchema } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import { ms, page, requireStripe, userIdOf, type BillingCore } from './core';

type Impl = ServiceImpl<typeof BillingService>;

function paymentMessage(p: Payment): MessageInitShape<typeof PaymentSchema> {
  return {
    id: p.id,
    kind: p.kind,
    status: p.status,
    amountCents: p.amountCents,
    currency: p.currency,
    creditedMicros: p.creditedMicros,
    refundedMicros: p.refundedMicros,
    packageId: p.packageId ?? '',
    plan: p.plan ?? '',
    stripeCheckoutSessionId: p.stripeCheckoutSessionId ?? '',
    stripePaymentIntentId: p.stripePaymentIntentId ?? '',
    stripeInvoiceId: p.stripeInvoiceId ?? '',
    createdAtMs: ms(p.createdAt),
    paidAtMs: ms(p.paidAt),
  };
}

export function paymentsRpc(
  core: BillingCore,
): Pick<Impl, 'createCheckoutSession' | 'createSubscriptionCheckout' | 'changeSubscription' | 'cancelSubscription' | 'listPayments' | 'handleStripeWebhook'> {
  const urls = (req: { successUrl: string; cancelUrl: string }) => ({
    successUrl: req.successUrl || core.config.CHECKOUT_SUCCESS_URL,
    cancelUrl: req.cancelUrl || core.config.CHECKOUT_CANCEL_URL,
  });
  return {
    async createCheckoutSession(req) {
      const { objects } = requireStripe(core);
      return core.payments.createCheckout(objects, { userId: userIdOf(req.userId), packageId: req.packageId, ...urls(req) });
    },
    async createSubscriptionCheckout(req) {
      const { objects } = requireStripe(core);
      return core.subscriptions.checkout(objects, { userId: userIdOf(req.userId), plan: req.plan, ...urls(req) });
    },
    async changeSubscription(req) {
      const { objects } = requireStripe(core);
      const r = await core.subscriptions.change(objects, { userId: userIdOf(req.userId), plan: req.plan });
      core.relay.poke();
      return r;
    },
    async cancelSubscription(req) {
      const { objects } = requireStripe(core);
      const r = await core.subscriptions.cancel(objects, { userId: userIdOf(req.userId), immediately: req.immediately });
      core.relay.poke();
      return r;
    },
    async listPayments(req) {
      const { rows, total } = await core.payments.list(userIdOf(req.userId), page(req, { fallback: 20, max: 100 }));
      return { payments: rows.map(paymentMessage), total: BigInt(total) };
    },
    async handleStripeWebhook(req) {
      const { webhooks } = requireStripe(core);
      const r = webhooks.receive(req.payload, req.signature);
      return { eventId: r.id, eventType: r.type, handled: r.handled };
    },
  };
}
