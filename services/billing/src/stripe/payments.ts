import type Stripe from 'stripe';
import { centsToMicros, creditPackage, purchasedEntry, type LedgerEntry } from '@gatewayz/billing-ledger';
import type { PaymentModel as Payment, PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import { lockAccount, type Tx } from '../ledger/account-row';
import type { AccountsStore } from '../ledger/accounts';
import { applyEntries } from '../ledger/ledger-writer';
import type { ReferralsStore } from '../promotions/referrals';
import { markEvent, type EventMark } from './stripe-events';
import { idOf, type StripeObjects } from './stripe-api';

const TX = { maxWait: 10_000, timeout: 20_000 };

/**
 * Credit purchases: Checkout sessions for the credit packages, and the credit itself, applied
 * once per payment whichever event reports it first (checkout.session.completed,
 * payment_intent.succeeded or charge.succeeded, in any order, any number of times): the
 * payment row goes pending → paid under its row lock, and the ledger key payment:<id> is unique.
 */
export class PaymentsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: AccountsStore,
    private readonly referrals: ReferralsStore,
    private readonly logger: Logger,
  ) {}

  async createCheckout(objects: StripeObjects, input: { userId: string; packageId: string; successUrl: string; cancelUrl: string }) {
    const pkg = creditPackage(input.packageId);
    if (!pkg) throw errors.invalidRequest(`Unknown credit package '${input.packageId}'. GET /api/stripe/credit-packages lists them.`, 'package_id');
    await this.accounts.ensure(input.userId);
    const customer = await objects.customerFor(input.userId);
    const payment = await this.prisma.payment.create({ data: { userId: input.userId, kind: 'credits', amountCents: pkg.priceCents, packageId: pkg.id } });
    const metadata = { user_id: input.userId, payment_id: payment.id, package_id: pkg.id, kind: 'credits' };
    const session = await objects.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        customer,
        client_reference_id: input.userId,
        line_items: [{ quantity: 1, price_data: { currency: 'usd', unit_amount: pkg.priceCents, product_data: { name: `Gatewayz ${pkg.name}` } } }],
        metadata,
        payment_intent_data: { metadata },
        success_url: input.successUrl,
        cancel_url: input.cancelUrl,
      },
      { idempotencyKey: `checkout:${payment.id}` },
    );
    await this.prisma.payment.update({ where: { id: payment.id }, data: { stripeCheckoutSessionId: session.id } });
    return { sessionId: session.id, url: session.url ?? '', paymentId: payment.id };
  }

  private async findPayment(ref: { paymentId?: string; sessionId?: string; paymentIntentId?: string }): Promise<Payment | null> {
    if (ref.paymentId && /^[0-9a-f-]{36}$/i.test(ref.paymentId)) {
      const byId = await this.prisma.payment.findUnique({ where: { id: ref.paymentId } });
      if (byId) return byId;
    }
    if (ref.sessionId) {
      const bySession = await this.prisma.payment.findUnique({ where: { stripeCheckoutSessionId: ref.sessionId } });
      if (bySession) return bySession;
    }
    if (ref.paymentIntentId) return this.prisma.payment.findUnique({ where: { stripePaymentIntentId: ref.paymentIntentId } });
    return null;
  }

  /** A successful payment of a credit package: credits (and bonus) once, referral reward. */
  async creditPaid(input: { mark?: EventMark; paymentId?: string; sessionId?: string; paymentIntentId?: string; chargeId?: string; amountCents: number }): Promise<boolean> {
    const payment = await this.findPayment(input);
    if (!payment || payment.kind !== 'credits') {
      this.logger.warn('Stripe payment for no known credit purchase; ignored', { event: input.mark?.id, payment_intent: input.paymentIntentId });
      await this.prisma.$transaction((tx) => markEvent(tx, input.mark), TX);
      return false;
    }
    return this.prisma.$transaction(async (tx) => {
      if (!(await markEvent(tx, input.mark))) return false;
      const account = await lockAccount(tx, payment.userId);
      const [locked] = await tx.$queryRaw<{ status: string }[]>`SELECT status FROM payments WHERE id = ${payment.id}::uuid FOR UPDATE`;
      if (!account || locked?.status !== 'pending') return false;
      const paid = centsToMicros(input.amountCents);
      const pkg = payment.packageId ? creditPackage(payment.packageId) : undefined;
      const entries: LedgerEntry[] = [purchasedEntry('purchase', `payment:${payment.id}`, paid)];
      if (pkg && pkg.bonusMicros > 0n && input.amountCents >= pkg.priceCents) entries.push(purchasedEntry('bonus', `payment:${payment.id}`, pkg.bonusMicros));
      const after = await applyEntries(tx, { account, entries, meta: { reason: `Stripe payment ${input.paymentIntentId ?? payment.id}` } });
      await tx.payment.update({
        where: { id: payment.id },
        data: {
          status: 'paid',
          amountCents: input.amountCents,
          creditedMicros: paid + (entries[1]?.amountMicros ?? 0n),
          stripePaymentIntentId: input.paymentIntentId ?? payment.stripePaymentIntentId,
          stripeChargeId: input.chargeId ?? payment.stripeChargeId,
          paidAt: new Date(),
          updatedAt: new Date(),
        },
      });
      await this.referrals.rewardOnPurchase(tx, { referee: after, purchaseMicros: paid, paymentId: payment.id });
      return true;
    }, TX);
  }

  /** charge.refunded: the refunded part of a credit purchase leaves the purchased balance. */
  async refund(input: { mark?: EventMark; charge: Stripe.Charge }): Promise<boolean> {
    const pi = idOf(input.charge.payment_intent);
    const payment = pi ? await this.prisma.payment.findUnique({ where: { stripePaymentIntentId: pi } }) : null;
    return this.prisma.$transaction(async (tx) => {
      if (!(await markEvent(tx, input.mark)) || !payment) return false;
      return this.applyRefund(tx, { payment, refundedCents: input.charge.amount_refunded });
    }, TX);
  }

  private async applyRefund(tx: Tx, input: { payment: Payment; refundedCents: number }): Promise<boolean> {
    const account = await lockAccount(tx, input.payment.userId);
    const [p] = await tx.$queryRaw<{ refunded_micros: bigint; amount_cents: number }[]>`
      SELECT refunded_micros, amount_cents FROM payments WHERE id = ${input.payment.id}::uuid FOR UPDATE`;
    if (!account || !p) return false;
    const refunded = centsToMicros(input.refundedCents);
    const delta = refunded - p.refunded_micros;
    if (delta <= 0n) return false;
    if (input.payment.kind === 'credits') {
      const removable = delta < account.purchasedMicros ? delta : account.purchasedMicros;
      if (removable > 0n) {
        await applyEntries(tx, {
          account,
          entries: [purchasedEntry('purchase', `refund:${input.payment.id}:${refunded}`, -removable)],
          meta: { reason: `Stripe refund of payment ${input.payment.id}` },
        });
      }
    }
    const full = input.refundedCents >= p.amount_cents;
    await tx.payment.update({ where: { id: input.payment.id }, data: { refundedMicros: refunded, status: full ? 'refunded' : 'partially_refunded', updatedAt: new Date() } });
    return true;
  }

  /** invoice.paid: a subscription payment, recorded once per invoice. */
  async recordInvoice(tx: Tx, input: { userId: string; invoice: Stripe.Invoice; plan: string | undefined }): Promise<void> {
    await tx.payment.upsert({
      where: { stripeInvoiceId: input.invoice.id! },
      create: {
        userId: input.userId,
        kind: 'subscription',
        status: 'paid',
        amountCents: input.invoice.amount_paid,
        currency: input.invoice.currency,
        plan: input.plan ?? null,
        stripeInvoiceId: input.invoice.id!,
        paidAt: new Date(),
      },
      update: {},
    });
  }

  async list(userId: string, page: { limit: number; offset: number }) {
    const [rows, total] = await Promise.all([
      this.prisma.payment.findMany({ where: { userId }, orderBy: { createdAt: 'desc' }, take: page.limit, skip: page.offset }),
      this.prisma.payment.count({ where: { userId } }),
    ]);
    return { rows, total };
  }
}
