import { BREAKER_TRANSITION_SUBJECT, BreakerBoard, type BreakerTransition } from '@gatewayz/breakers';
import { Bus } from '@gatewayz/bus';
import { loadCatalogFile } from '@gatewayz/catalog';
import { createPrisma } from '@gatewayz/db';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, rpcMetrics, startOpsServer } from '@gatewayz/metrics';
import { RoutingPolicyService, RoutingService } from '@gatewayz/proto';
import { ProviderDirectory } from '@gatewayz/providers/directory';
import { createRedis } from '@gatewayz/redis';
import { CodeRouter, GeneralRouter, Priors, RoutingRules, SUBJECTS, type HealthObservation, type RoutingChanged } from '@gatewayz/routing';
import { addService, createServer, listen } from '@gatewayz/rpc';
import { CatalogStore } from './catalog-store';
import type { RoutingConfig } from './config';
import { LiveState } from './live-state';
import { policyServiceImpl } from './policy.service';
import { RoutingEngine } from './routing-engine';
import { routingServiceImpl } from './routing.service';
import { SplitStore } from './split-store';

export interface RunningRouting {
  port: number;
  metricsPort: number;
  store: CatalogStore;
  live: LiveState;
  close(): Promise<void>;
}

/** Starts the routing service; `main.ts` calls this, and so do integration tests. */
export async function startRouting(config: RoutingConfig, options: { logger?: Logger; env?: NodeJS.ProcessEnv } = {}): Promise<RunningRouting> {
  const logger = options.logger ?? createLogger({ service: 'routing', level: config.LOG_LEVEL });
  const registry = createRegistry('routing');
  const prisma = createPrisma({ url: config.DATABASE_URL, poolSize: 4 });
  const redis = createRedis(config.REDIS_URL, { name: 'routing', commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  const directory = new ProviderDirectory(options.env ?? process.env);
  const rules = RoutingRules.load();
  const store = new CatalogStore(prisma, loadCatalogFile().aliases, (slug) => directory.isEnabled(slug), logger, (p, id) => rules.transformNative(p, id));
  const splits = new SplitStore(prisma);
  await Promise.all([store.refresh(), splits.refresh()]);

  const breakers = new BreakerBoard(redis, config.GATEWAYZ_NAMESPACE);
  const live = new LiveState(breakers, {
    windowMs: config.ROUTING_HEALTH_WINDOW_MS,
    minSamples: config.ROUTING_HEALTH_MIN_SAMPLES,
    promotionThreshold: config.ROUTING_PROMOTION_THRESHOLD,
  });
  const priors = Priors.load();
  const general = GeneralRouter.load(priors);
  const code = CodeRouter.load(priors);
  const engine = new RoutingEngine({ store, rules, live, splits, priors, general, code });

  // NATS is optional here: without it the polls keep the catalog, splits and breakers fresh.
  let bus: Bus | undefined;
  const announce = (reason: RoutingChanged['reason']) => bus?.publishCore(SUBJECTS.routingChanged, { reason, at: Date.now() } satisfies RoutingChanged);
  const refreshBreakers = () => breakers.refresh().catch((err: unknown) => logger.debug('breaker sync failed', { err }));
  const stopConnecting = new AbortController();
  const connecting = Bus.connectWithRetry({ url: config.NATS_URL, name: 'routing', namespace: config.GATEWAYZ_NAMESPACE, logger }, stopConnecting.signal).then((b) => {
    bus = b;
    if (!b) return;
    b.subscribeCore('catalog.updated', () => void store.refresh());
    b.subscribeCore<RoutingChanged>(SUBJECTS.routingChanged, (m) => {
      if (m.reason === 'splits') void splits.refresh().catch((err: unknown) => logger.warn('split reload failed', { err }));
    });
    b.subscribeCore<BreakerTransition>(BREAKER_TRANSITION_SUBJECT, (t) => breakers.apply(t));
    b.subscribeCore<{ observations?: HealthObservation[] }>(SUBJECTS.healthObservation, (batch) => {
      if (live.absorb(batch.observations ?? [])) announce('health');
    });
  });
  const poll = setInterval(() => {
    void store.refresh();
    void splits.refresh().catch((err: unknown) => logger.warn('split reload failed', { err }));
  }, config.CATALOG_REFRESH_MS);
  poll.unref();
  const breakerPoll = setInterval(() => void refreshBreakers(), config.ROUTING_BREAKER_SYNC_MS);
  breakerPoll.unref();
  void refreshBreakers();

  const server = createServer();
  const rpc = { logger, metrics: rpcMetrics(registry) };
  addService(server, RoutingService, routingServiceImpl(store, engine), rpc);
  addService(server, RoutingPolicyService, policyServiceImpl({ store, rules, splits, engine, general, code, announce }), rpc);
  const grpc = await listen(server, `${config.ROUTING_HOST}:${config.ROUTING_PORT}`);
  const ops = await startOpsServer({
    host: config.ROUTING_HOST,
    port: config.ROUTING_METRICS_PORT,
    registry,
    health: async () => ({ status: 'ok', service: 'routing', models: store.current.size, nats: bus?.connected ? 'up' : 'down', redis: redis.status === 'ready' ? 'up' : 'down' }),
  });
  logger.info('routing listening', { grpc: grpc.port, metrics: ops.port, models: store.current.size });

  return {
    port: grpc.port,
    metricsPort: ops.port,
    store,
    live,
    close: async () => {
      clearInterval(poll);
      clearInterval(breakerPoll);
      await grpc.close();
      await ops.close();
      stopConnecting.abort();
      await connecting;
      await bus?.close();
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
}
