import { Bus } from '@gatewayz/bus';
import { loadCatalogFile } from '@gatewayz/catalog';
import { createPrisma } from '@gatewayz/db';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, rpcMetrics, startOpsServer } from '@gatewayz/metrics';
import { RoutingService } from '@gatewayz/proto';
import { ProviderDirectory } from '@gatewayz/providers/directory';
import { addService, createServer, listen } from '@gatewayz/rpc';
import { CatalogStore } from './catalog-store';
import type { RoutingConfig } from './config';
import { routingServiceImpl } from './routing.service';

export interface RunningRouting {
  port: number;
  metricsPort: number;
  store: CatalogStore;
  close(): Promise<void>;
}

/** Starts the routing service; `main.ts` calls this, and so do integration tests. */
export async function startRouting(config: RoutingConfig, options: { logger?: Logger; env?: NodeJS.ProcessEnv } = {}): Promise<RunningRouting> {
  const logger = options.logger ?? createLogger({ service: 'routing', level: config.LOG_LEVEL });
  const registry = createRegistry('routing');
  const prisma = createPrisma({ url: config.DATABASE_URL, poolSize: 4 });
  const directory = new ProviderDirectory(options.env ?? process.env);
  const store = new CatalogStore(prisma, loadCatalogFile().aliases, (slug) => directory.isEnabled(slug), logger);
  await store.refresh();

  // NATS is optional here: without it the poll keeps the catalog fresh.
  let bus: Bus | undefined;
  const stopConnecting = new AbortController();
  const connecting = Bus.connectWithRetry({ url: config.NATS_URL, name: 'routing', namespace: config.GATEWAYZ_NAMESPACE, logger }, stopConnecting.signal).then((b) => {
    bus = b;
    b?.subscribeCore('catalog.updated', () => void store.refresh());
  });
  const poll = setInterval(() => void store.refresh(), config.CATALOG_REFRESH_MS);
  poll.unref();

  const server = createServer();
  addService(server, RoutingService, routingServiceImpl(store), { logger, metrics: rpcMetrics(registry) });
  const grpc = await listen(server, `${config.ROUTING_HOST}:${config.ROUTING_PORT}`);
  const ops = await startOpsServer({
    host: config.ROUTING_HOST,
    port: config.ROUTING_METRICS_PORT,
    registry,
    health: async () => ({ status: 'ok', service: 'routing', models: store.current.size, nats: bus?.connected ? 'up' : 'down' }),
  });
  logger.info('routing listening', { grpc: grpc.port, metrics: ops.port, models: store.current.size });

  return {
    port: grpc.port,
    metricsPort: ops.port,
    store,
    close: async () => {
      clearInterval(poll);
      await grpc.close();
      await ops.close();
      stopConnecting.abort();
      await connecting;
      await bus?.close();
      await prisma.$disconnect();
    },
  };
}
