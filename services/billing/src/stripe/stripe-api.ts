import Stripe from 'stripe';
import { microsToCents } from '@gatewayz/billing-ledger';
import type { PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import type { Plan } from '@gatewayz/plans';

export interface StripeSettings {
  secretKey?: string;
  webhookSecret?: string;
  /** e.g. https://api.stripe.com, or a local fake in tests. */
  apiBase: string;
  toleranceS: number;
}

/** The Stripe client pointed at the configured host/port (the `stripe` library). */
export function createStripe(settings: StripeSettings): Stripe | undefined {
  if (!settings.secretKey) return undefined;
  const base = new URL(settings.apiBase);
  const protocol = base.protocol === 'http:' ? 'http' : 'https';
  return new Stripe(settings.secretKey, {
    host: base.hostname,
    port: Number(base.port || (protocol === 'http' ? 80 : 443)),
    protocol,
    maxNetworkRetries: 2,
    timeout: 10_000,
    telemetry: false,
  });
}

export function notConfigured(): Error {
  return errors.serviceUnavailable('Payments are not configured on this gateway (STRIPE_SECRET_KEY is not set).', 'payments_not_configured');
}

export const planLookupKey = (slug: string) => `gatewayz_${slug}_monthly`;

/**
 * Stripe-side helpers shared by checkout and subscriptions: one customer per account (stored
 * on billing_accounts), and one monthly price per plan found by lookup key (created on first
 * use from libs/plans, so prices never drift from the plan data).
 */
export class StripeObjects {
  private readonly prices = new Map<string, string>();

  constructor(
    readonly stripe: Stripe,
    private readonly prisma: PrismaClient,
  ) {}

  async customerFor(userId: string): Promise<string> {
    const account = await this.prisma.billingAccount.findUnique({ where: { userId }, select: { stripeCustomerId: true } });
    if (account?.stripeCustomerId) return account.stripeCustomerId;
    const customer = await this.stripe.customers.create({ metadata: { user_id: userId } }, { idempotencyKey: `customer:${userId}` });
    const claimed = await this.prisma.billingAccount.updateMany({ where: { userId, stripeCustomerId: null }, data: { stripeCustomerId: customer.id } });
    if (claimed.count === 1) return customer.id;
    const winner = await this.prisma.billingAccount.findUnique({ where: { userId }, select: { stripeCustomerId: true } });
    return winner?.stripeCustomerId ?? customer.id;
  }

  async priceFor(plan: Plan): Promise<string> {
    const key = planLookupKey(plan.slug);
    const cached = this.prices.get(key);
    if (cached) return cached;
    const found = await this.stripe.prices.list({ lookup_keys: [key], active: true, limit: 1 });
    const price =
      found.data[0] ??
      (await this.stripe.prices.create(
        {
          currency: 'usd',
          unit_amount: microsToCents(plan.monthlyPriceMicros),
          recurring: { interval: 'month' },
          product_data: { name: `Gatewayz ${plan.name}` },
          lookup_key: key,
          metadata: { plan: plan.slug },
        },
        { idempotencyKey: `price:${key}:${plan.monthlyPriceMicros}` },
      ));
    this.prices.set(key, price.id);
    return price.id;
  }
}

/** The plan a subscription is for: its price's lookup key, else its metadata. */
export function planOfSubscription(sub: Stripe.Subscription): string | undefined {
  const key = sub.items?.data?.[0]?.price?.lookup_key ?? undefined;
  const m = key ? /^gatewayz_([a-z]+)_monthly$/.exec(key) : null;
  return m?.[1] ?? sub.metadata?.plan ?? undefined;
}

export const idOf = (v: string | { id: string } | null | undefined): string | undefined => (v == null ? undefined : typeof v === 'string' ? v : v.id);
