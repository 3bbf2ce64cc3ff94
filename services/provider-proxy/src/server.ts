import { Bus } from '@gatewayz/bus';
import { Fernet } from '@gatewayz/crypto';
import { createPrisma } from '@gatewayz/db';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, rpcMetrics, startOpsServer, upstreamMetrics } from '@gatewayz/metrics';
import { BreakerService, MediaService, ProviderService } from '@gatewayz/proto';
import { ProviderDirectory, createAdapters, createMediaAdapters } from '@gatewayz/providers';
import { addService, createServer, listen } from '@gatewayz/rpc';
import { startBreakers } from './breakers';
import { breakerServiceImpl } from './breakers.service';
import { chatServiceImpl } from './chat.service';
import type { ProviderProxyConfig } from './config';
import { HealthObserver } from './health-observer';
import { mediaServiceImpl } from './media.service';
import { StoredCredentials } from './stored-credentials';

export interface RunningProviderProxy {
  port: number;
  metricsPort: number;
  close(): Promise<void>;
}

export async function startProviderProxy(
  config: ProviderProxyConfig,
  options: { logger?: Logger; env?: NodeJS.ProcessEnv } = {},
): Promise<RunningProviderProxy> {
  const logger = options.logger ?? createLogger({ service: 'provider-proxy', level: config.LOG_LEVEL });
  const registry = createRegistry('provider-proxy');
  const metrics = upstreamMetrics(registry);
  const prisma = createPrisma({ url: config.DATABASE_URL, poolSize: 2 });
  const fernet = config.API_KEY_ENCRYPTION_KEYS ? new Fernet(config.API_KEY_ENCRYPTION_KEYS.split(',')) : undefined;
  const storedCredentials = new StoredCredentials(prisma, fernet, logger);
  // Postgres down at start: providers from the environment still work; the poll catches up.
  await storedCredentials.refresh();
  const credentialsPoll = setInterval(() => void storedCredentials.refresh(), config.PROVIDER_CREDENTIALS_REFRESH_MS);
  credentialsPoll.unref();
  const directory = new ProviderDirectory(options.env ?? process.env, storedCredentials);
  const { adapters, transport } = createAdapters({
    transport: {
      connectTimeoutMs: config.UPSTREAM_CONNECT_TIMEOUT_MS,
      headersTimeoutMs: config.UPSTREAM_FIRST_BYTE_TIMEOUT_MS,
      idleTimeoutMs: config.UPSTREAM_IDLE_TIMEOUT_MS,
    },
    sim: { firstTokenMs: config.SIM_FIRST_TOKEN_MS, interChunkMs: config.SIM_INTER_CHUNK_MS },
    hooks: {
      onUnrecognized: ({ provider, sample }) => {
        metrics.unrecognizedChunks.inc({ provider });
        logger.warn('unrecognized stream event passed through', { provider, sample });
      },
    },
  });

  let bus: Bus | undefined;
  const stopConnecting = new AbortController();
  const connecting = Bus.connectWithRetry({ url: config.NATS_URL, name: 'provider-proxy', namespace: config.GATEWAYZ_NAMESPACE, logger }, stopConnecting.signal).then((b) => {
    bus = b;
    b?.subscribeCore('catalog.updated', () => void storedCredentials.refresh());
  });

  const health = new HealthObserver(() => bus);
  const server = createServer();
  const rpc = rpcMetrics(registry);
  const rpcOptions = { logger, metrics: rpc };

  // ── Circuit breakers (docs/failover.md): per provider and provider+model, shared by the
  //    replicas through Redis, transitions counted and published on NATS; BreakerService
  //    serves them to the edge (/circuit-breakers). The chat service re-checks them per attempt.
  const breakers = startBreakers({ config, logger, registry, bus: () => bus, busReady: connecting });
  addService(server, BreakerService, breakerServiceImpl(breakers.breakers, breakers.knownProviders), rpcOptions);
  // ──

  addService(
    server,
    ProviderService,
    chatServiceImpl({
      adapters,
      directory,
      logger,
      metrics,
      health,
      breakers: breakers.breakers,
      rateLimitRetries: config.RATE_LIMIT_RETRIES,
      rateLimitMaxWaitMs: config.RATE_LIMIT_MAX_WAIT_MS,
      storedCredentials,
    }),
    rpcOptions,
  );

  // Media (embeddings, images, transcription, speech): same transport, directory and failover
  // policy as chat; adapters by family from libs/providers/src/media.
  addService(
    server,
    MediaService,
    mediaServiceImpl({
      adapters: createMediaAdapters({ transport, sim: { firstTokenMs: config.SIM_FIRST_TOKEN_MS, interChunkMs: config.SIM_INTER_CHUNK_MS } }),
      directory,
      logger,
      metrics,
      health,
      rateLimitRetries: config.RATE_LIMIT_RETRIES,
    }),
    rpcOptions,
  );

  const grpc = await listen(server, `${config.PROVIDER_PROXY_HOST}:${config.PROVIDER_PROXY_PORT}`);
  const ops = await startOpsServer({
    host: config.PROVIDER_PROXY_HOST,
    port: config.PROVIDER_PROXY_METRICS_PORT,
    registry,
    health: async () => ({ status: 'ok', service: 'provider-proxy', nats: bus?.connected ? 'up' : 'down' }),
  });
  logger.info('provider-proxy listening', { grpc: grpc.port, metrics: ops.port });
  return {
    port: grpc.port,
    metricsPort: ops.port,
    close: async () => {
      await grpc.close();
      health.close();
      breakers.close();
      await ops.close();
      await transport.close();
      stopConnecting.abort();
      await connecting;
      await bus?.close();
      clearInterval(credentialsPoll);
      await prisma.$disconnect();
    },
  };
}
