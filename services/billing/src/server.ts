import type { Server } from '@grpc/grpc-js';
import { createPrisma } from '@gatewayz/db';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, rpcMetrics, startOpsServer } from '@gatewayz/metrics';
import { loadPlans } from '@gatewayz/plans';
import { BillingService, type UsageRecorded } from '@gatewayz/proto';
import { addService, createServer, listen } from '@gatewayz/rpc';
import { AnalyticsStore } from './analytics/analytics';
import type { BillingConfig } from './config';
import { OutboxRelay } from './events/outbox-relay';
import { Registrations } from './events/registrations';
import { BillingBus } from './events/wiring';
import { BillingJobs } from './jobs/billing-jobs';
import { AccountsStore, capsFromConfig } from './ledger/accounts';
import { AuthorizeStore } from './ledger/authorize';
import { createPgPool } from './ledger/pg';
import { SettlementStore, type SettleSummary } from './ledger/settlement';
import { sweepExpiredReservations } from './ledger/sweeper';
import { billingMetrics } from './metrics';
import { CouponsStore } from './promotions/coupons';
import { PartnersStore } from './promotions/partners';
import { ReferralsStore } from './promotions/referrals';
import { billingServiceImpl, type BillingCore } from './rpc';
import { PaymentsStore } from './stripe/payments';
import { StripeObjects, createStripe } from './stripe/stripe-api';
import { SubscriptionsStore } from './stripe/subscriptions';
import { StripeWebhooks } from './stripe/webhooks';

export interface RunningBilling {
  port: number;
  metricsPort: number;
  core: BillingCore;
  /** Settles events directly (what the JetStream consumer calls). */
  settle(events: UsageRecorded[]): Promise<SettleSummary>;
  /** The periodic tasks, callable on demand (tests, operators). */
  tasks: { sweep(): Promise<number>; periods(): Promise<number>; reconcile(): Promise<number>; relay(): void };
  close(): Promise<void>;
  /** Stops at once, like a crash: in-flight calls are cut, unacked events stay in JetStream. */
  kill(): Promise<void>;
}

/** Starts the billing service; `main.ts` calls this, and so do integration tests. */
export async function startBilling(config: BillingConfig, options: { logger?: Logger } = {}): Promise<RunningBilling> {
  const logger = options.logger ?? createLogger({ service: 'billing', level: config.LOG_LEVEL });
  const registry = createRegistry('billing');
  const metrics = billingMetrics(registry);
  const prisma = createPrisma({ url: config.DATABASE_URL, poolSize: 8 });
  const pool = createPgPool(config.DATABASE_URL, { max: 8 });
  // Reservations commit asynchronously (a hold, not money; see docs/billing.md "Durability").
  const holds = createPgPool(config.DATABASE_URL, { max: 8, asyncCommit: true });
  const plans = loadPlans();
  const links = { purchaseUrl: config.BILLING_PURCHASE_URL, upgradeUrl: config.BILLING_UPGRADE_URL };

  const accounts = new AccountsStore(prisma, plans, capsFromConfig(config), logger);
  const partners = new PartnersStore(prisma, plans);
  const referrals = new ReferralsStore(prisma, accounts, logger);
  const payments = new PaymentsStore(prisma, accounts, referrals, logger);
  const subscriptions = new SubscriptionsStore(prisma, accounts, logger);
  const settlement = new SettlementStore(pool, accounts, logger);
  let bus: BillingBus | undefined;
  const relay = new OutboxRelay(prisma, () => bus?.bus, logger);

  const stripeClient = createStripe({ secretKey: config.STRIPE_SECRET_KEY, webhookSecret: config.STRIPE_WEBHOOK_SECRET, apiBase: config.STRIPE_API_BASE, toleranceS: config.STRIPE_WEBHOOK_TOLERANCE_S });
  const stripe = stripeClient
    ? {
        objects: new StripeObjects(stripeClient, prisma),
        webhooks: new StripeWebhooks(stripeClient, { webhookSecret: config.STRIPE_WEBHOOK_SECRET, toleranceS: config.STRIPE_WEBHOOK_TOLERANCE_S }, prisma, payments, subscriptions, logger),
      }
    : undefined;

  const core: BillingCore = {
    config,
    prisma,
    plans,
    accounts,
    authorize: new AuthorizeStore(holds, accounts, { reservationTtlMs: config.RESERVATION_TTL_MS, links }),
    coupons: new CouponsStore(prisma, accounts),
    referrals,
    partners,
    payments,
    subscriptions,
    analytics: new AnalyticsStore(prisma),
    relay,
    stripe,
  };

  const settle = async (events: UsageRecorded[]) => {
    const summary = await settlement.settleBatch(events);
    if (summary.events > 0) relay.poke();
    return summary;
  };
  const onSettled = (summary: SettleSummary, batch: number) => {
    metrics.settled.inc({ result: 'settled' }, summary.settled);
    metrics.settled.inc({ result: 'duplicate' }, summary.duplicates);
    metrics.settled.inc({ result: 'skipped' }, summary.skipped);
    metrics.batchSize.observe(batch);
  };
  const settleAndMeasure = async (events: UsageRecorded[]) => {
    const summary = await settle(events);
    const now = Date.now();
    for (const e of events) if (e.occurredAtMs > 0n) metrics.lag.observe(Math.max(0, now - Number(e.occurredAtMs)) / 1000);
    return summary;
  };
  bus = new BillingBus({
    url: config.NATS_URL,
    namespace: config.GATEWAYZ_NAMESPACE,
    logger,
    batchSize: config.SETTLEMENT_BATCH_SIZE,
    settle: settleAndMeasure,
    onSettled,
    registrations: new Registrations(prisma, accounts, partners, referrals, logger),
    onConnected: () => relay.poke(),
  });
  relay.start();

  const tasks = {
    sweep: () => sweepExpiredReservations(prisma),
    periods: () => accounts.processDuePeriods(),
    reconcile: () => (stripe ? stripe.webhooks.reconcile(config.STRIPE_RECONCILE_LOOKBACK_H) : Promise.resolve(0)),
    relay: () => relay.poke(),
  };
  const jobs = new BillingJobs({
    redisUrl: config.REDIS_URL,
    namespace: config.GATEWAYZ_NAMESPACE,
    logger,
    tasks: [
      { name: 'sweep-reservations', everyMs: config.SWEEP_INTERVAL_MS, run: tasks.sweep },
      { name: 'allowance-periods', everyMs: config.SWEEP_INTERVAL_MS, run: tasks.periods },
      ...(stripe ? [{ name: 'stripe-reconcile', everyMs: config.STRIPE_RECONCILE_INTERVAL_MS, run: tasks.reconcile }] : []),
    ],
  });
  jobs.start();

  const server: Server = createServer();
  addService(server, BillingService, billingServiceImpl(core), { logger, metrics: rpcMetrics(registry) });
  const grpc = await listen(server, `${config.BILLING_HOST}:${config.BILLING_PORT}`);
  const ops = await startOpsServer({
    host: config.BILLING_HOST,
    port: config.BILLING_METRICS_PORT,
    registry,
    health: async () => {
      await prisma.$queryRaw`SELECT 1`;
      return { status: 'ok', service: 'billing', nats: bus?.connected ? 'up' : 'down', stripe: stripe ? 'configured' : 'not configured' };
    },
  });
  logger.info('billing listening', { grpc: grpc.port, metrics: ops.port, stripe: Boolean(stripe) });

  const shutdown = async (graceMs: number) => {
    await grpc.close(graceMs);
    await ops.close();
    await jobs.close();
    await stripe?.webhooks.drain();
    // The relay's last pass publishes while NATS is still connected (rows it locked would
    // otherwise wait for its publish timeout before another replica could send them).
    await relay.close();
    await bus?.close();
    await prisma.$disconnect();
    await pool.end();
    await holds.end();
  };
  return {
    port: grpc.port,
    metricsPort: ops.port,
    core,
    settle,
    tasks,
    close: () => shutdown(5_000),
    kill: () => shutdown(0),
  };
}
