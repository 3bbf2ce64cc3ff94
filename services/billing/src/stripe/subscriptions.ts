import type Stripe from 'stripe';
import { planChangeTerms } from '@gatewayz/billing-ledger';
import type { PrismaClient } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { PlanSlug } from '@gatewayz/plans';
import { lockAccount, type AccountRow, type Tx } from '../ledger/account-row';
import type { AccountsStore } from '../ledger/accounts';
import { applyTermsChange } from '../ledger/ledger-writer';
import { idOf, planOfSubscription, type StripeObjects } from './stripe-api';

const LIVE = new Set(['active', 'trialing', 'past_due']);

/**
 * Subscriptions through Stripe. The account follows the subscription's *current* state, re-read
 * from Stripe whenever an event or an API call touches it, so events applied late or out of
 * order converge on the truth: a live subscription sets its plan, anything else (canceled,
 * unpaid, incomplete_expired) sets free. Plan changes publish billing.plan.changed.
 */
export class SubscriptionsStore {
  constructor(
    private readonly prisma: PrismaClient,
    private readonly accounts: AccountsStore,
    private readonly logger: Logger,
  ) {}

  private paidPlan(slug: string) {
    const plan = this.accounts.plans.bySlug(slug);
    if (!plan || plan.monthlyPriceMicros === 0n) {
      throw errors.invalidRequest(`'${slug}' is not a paid plan. Paid plans: ${this.accounts.plans.plans.filter((p) => p.monthlyPriceMicros > 0n).map((p) => p.slug).join(', ')}.`, 'plan');
    }
    return plan;
  }

  async checkout(objects: StripeObjects, input: { userId: string; plan: string; successUrl: string; cancelUrl: string }) {
    const plan = this.paidPlan(input.plan);
    const account = await this.accounts.ensure(input.userId);
    if (account.stripeSubscriptionId && LIVE.has(account.subscriptionStatus ?? '')) {
      throw new GatewayError({ code: 'subscription_exists', message: 'You already have a subscription; change or cancel it instead.', status: 409 });
    }
    const customer = await objects.customerFor(input.userId);
    const metadata = { user_id: input.userId, plan: plan.slug, kind: 'subscription' };
    const session = await objects.stripe.checkout.sessions.create({
      mode: 'subscription',
      customer,
      client_reference_id: input.userId,
      line_items: [{ price: await objects.priceFor(plan), quantity: 1 }],
      metadata,
      subscription_data: { metadata },
      success_url: input.successUrl,
      cancel_url: input.cancelUrl,
    });
    return { sessionId: session.id, url: session.url ?? '' };
  }

  private async current(objects: StripeObjects, userId: string): Promise<Stripe.Subscription> {
    const account = await this.accounts.ensure(userId);
    if (!account.stripeSubscriptionId) throw errors.notFound('You have no subscription.', 'no_subscription');
    return objects.stripe.subscriptions.retrieve(account.stripeSubscriptionId);
  }

  /** Upgrade or downgrade: the subscription's price changes (Stripe prorates the charge). */
  async change(objects: StripeObjects, input: { userId: string; plan: string }) {
    const plan = this.paidPlan(input.plan);
    const sub = await this.current(objects, input.userId);
    if (!LIVE.has(sub.status)) throw errors.notFound('You have no active subscription.', 'no_subscription');
    const item = sub.items.data[0];
    if (!item) throw errors.internal(new Error(`subscription ${sub.id} has no item`));
    const updated = await objects.stripe.subscriptions.update(sub.id, {
      items: [{ id: item.id, price: await objects.priceFor(plan) }],
      proration_behavior: 'create_prorations',
      cancel_at_period_end: false,
      metadata: { user_id: input.userId, plan: plan.slug, kind: 'subscription' },
    });
    const account = await this.apply({ subscription: updated });
    return { plan: account?.plan ?? plan.slug, subscriptionId: updated.id, status: updated.status };
  }

  /** Cancel at the period end (default: keeps what was paid for) or at once. */
  async cancel(objects: StripeObjects, input: { userId: string; immediately: boolean }) {
    const sub = await this.current(objects, input.userId);
    const updated = input.immediately ? await objects.stripe.subscriptions.cancel(sub.id) : await objects.stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    const account = await this.apply({ subscription: updated });
    return { subscriptionId: updated.id, status: updated.status, cancelAtPeriodEnd: updated.cancel_at_period_end, plan: account?.plan ?? 'free' };
  }

  /** Applies a subscription's current state (own transaction). */
  async apply(input: { subscription: Stripe.Subscription }): Promise<AccountRow | undefined> {
    return this.prisma.$transaction((tx) => this.applyInTx(tx, input.subscription), { maxWait: 10_000, timeout: 20_000 });
  }

  async userOf(sub: Stripe.Subscription): Promise<string | undefined> {
    const fromMeta = sub.metadata?.user_id;
    if (fromMeta) return fromMeta;
    const customer = idOf(sub.customer);
    if (!customer) return undefined;
    return (await this.prisma.billingAccount.findUnique({ where: { stripeCustomerId: customer }, select: { userId: true } }))?.userId;
  }

  async applyInTx(tx: Tx, sub: Stripe.Subscription): Promise<AccountRow | undefined> {
    const userId = await this.userOf(sub);
    const account = userId ? await lockAccount(tx, userId) : undefined;
    if (!account) {
      this.logger.warn('Stripe subscription for no known account; ignored', { subscription: sub.id });
      return undefined;
    }
    const live = LIVE.has(sub.status);
    if (account.stripeSubscriptionId && account.stripeSubscriptionId !== sub.id && !live) return account; // an old subscription
    const target = live ? planOfSubscription(sub) : 'free';
    if (!target || !this.accounts.plans.bySlug(target)) {
      this.logger.error('Stripe subscription with an unknown plan; ignored', { subscription: sub.id, plan: target });
      return account;
    }
    await tx.billingAccount.update({
      where: { userId: account.userId },
      data: { stripeSubscriptionId: sub.id, subscriptionStatus: sub.status, cancelAtPeriodEnd: sub.cancel_at_period_end, updatedAt: new Date() },
    });
    const updated = { ...account, stripeSubscriptionId: sub.id, subscriptionStatus: sub.status, cancelAtPeriodEnd: sub.cancel_at_period_end };
    if (target === account.plan && (target === 'free' || account.planSource === 'stripe')) return updated;
    const now = new Date();
    const change = planChangeTerms({ catalog: this.accounts.plans, userId: account.userId, current: updated, to: target as PlanSlug, source: 'stripe', now });
    return applyTermsChange(tx, { account: updated, change, at: now, meta: { reason: `Stripe subscription ${sub.id} ${sub.status}` } });
  }
}
