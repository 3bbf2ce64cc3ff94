import type { PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import type { PlanCatalog } from '@gatewayz/plans';
import type { AnalyticsStore } from '../analytics/analytics';
import type { BillingConfig } from '../config';
import type { OutboxRelay } from '../events/outbox-relay';
import type { AccountsStore } from '../ledger/accounts';
import type { AuthorizeStore } from '../ledger/authorize';
import type { CouponsStore } from '../promotions/coupons';
import type { PartnersStore } from '../promotions/partners';
import type { ReferralsStore } from '../promotions/referrals';
import type { PaymentsStore } from '../stripe/payments';
import { notConfigured, type StripeObjects } from '../stripe/stripe-api';
import type { StripeWebhooks } from '../stripe/webhooks';
import type { SubscriptionsStore } from '../stripe/subscriptions';

/** Everything the gRPC handlers call into (assembled by server.ts). */
export interface BillingCore {
  config: BillingConfig;
  prisma: PrismaClient;
  plans: PlanCatalog;
  accounts: AccountsStore;
  authorize: AuthorizeStore;
  coupons: CouponsStore;
  referrals: ReferralsStore;
  partners: PartnersStore;
  payments: PaymentsStore;
  subscriptions: SubscriptionsStore;
  analytics: AnalyticsStore;
  relay: OutboxRelay;
  stripe?: { objects: StripeObjects; webhooks: StripeWebhooks };
}

export function requireStripe(core: BillingCore): NonNullable<BillingCore['stripe']> {
  if (!core.stripe) throw notConfigured();
  return core.stripe;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function userIdOf(value: string, param = 'user_id'): string {
  if (!UUID.test(value)) throw errors.invalidRequest(`${param} must be a UUID.`, param);
  return value.toLowerCase();
}

/** Page bounds: limit 1..max (default `fallback`), offset ≥ 0. */
export function page(input: { limit: number; offset: number }, options: { fallback: number; max: number }): { limit: number; offset: number } {
  const limit = input.limit === 0 ? options.fallback : input.limit;
  if (limit < 1 || limit > options.max) throw errors.invalidRequest(`limit must be between 1 and ${options.max}.`, 'limit');
  return { limit, offset: input.offset };
}

export const ms = (d: Date | null | undefined): bigint => BigInt(d ? d.getTime() : 0);
