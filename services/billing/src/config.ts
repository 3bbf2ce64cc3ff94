import { commonEnv, env, loadConfig, z } from '@gatewayz/config';

const dollars = (fallback: string) =>
  z
    .string()
    .regex(/^\d{1,9}(\.\d{1,6})?$/, 'must be a dollar amount like "100" or "2.50"')
    .default(fallback);

export const billingEnv = {
  ...commonEnv,
  BILLING_HOST: env.host('127.0.0.1'),
  BILLING_PORT: env.port(50053),
  BILLING_METRICS_PORT: env.port(9103),
  /** How long a reservation may stay open before the sweeper releases it (> the edge's request timeout). */
  RESERVATION_TTL_MS: env.int(900_000, 1_000),
  /** How often the sweeper and the allowance-period job run. */
  SWEEP_INTERVAL_MS: env.int(30_000, 100),
  /** Usage events settled per database transaction (at most). */
  SETTLEMENT_BATCH_SIZE: env.int(200, 1, 1_000),
  /** Default credits.low threshold for new accounts. */
  CREDITS_LOW_THRESHOLD_USD: dollars('1'),
  /** Admin credit operations: most one operation may move, and most one admin may move per 24 h. */
  ADMIN_CREDIT_MAX_PER_TX_USD: dollars('100'),
  ADMIN_CREDIT_MAX_PER_DAY_USD: dollars('500'),
  /** Links in 402 answers. */
  BILLING_PURCHASE_URL: env.host('/api/stripe/credit-packages'),
  BILLING_UPGRADE_URL: env.host('/plans'),
  /** Stripe: secret key, webhook signing secret, API base (a local fake in tests). */
  STRIPE_SECRET_KEY: env.optionalString(),
  STRIPE_WEBHOOK_SECRET: env.optionalString(),
  STRIPE_API_BASE: env.url('https://api.stripe.com'),
  /** Webhook timestamp tolerance (seconds). */
  STRIPE_WEBHOOK_TOLERANCE_S: env.int(300, 1, 3_600),
  /** The reconciliation job re-reads Stripe events this far back, this often. */
  STRIPE_RECONCILE_INTERVAL_MS: env.int(600_000, 1_000),
  STRIPE_RECONCILE_LOOKBACK_H: env.int(72, 1, 720),
  /** Where Stripe Checkout sends the customer back. */
  CHECKOUT_SUCCESS_URL: env.url('http://localhost:8080/billing/success'),
  CHECKOUT_CANCEL_URL: env.url('http://localhost:8080/billing/cancel'),
};

export type BillingConfig = ReturnType<typeof loadBillingConfig>;

export function loadBillingConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(billingEnv, source);
}
