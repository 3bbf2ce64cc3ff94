import { Bus } from '@gatewayz/bus';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, rpcMetrics, startOpsServer, upstreamMetrics } from '@gatewayz/metrics';
import { MediaService, ProviderService } from '@gatewayz/proto';
import { ProviderDirectory, createAdapters, createMediaAdapters } from '@gatewayz/providers';
import { addService, createServer, listen } from '@gatewayz/rpc';
import { chatServiceImpl } from './chat.service';
import type { ProviderProxyConfig } from './config';
import { HealthObserver } from './health-observer';
import { mediaServiceImpl } from './media.service';

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
  const directory = new ProviderDirectory(options.env ?? process.env);
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
  });

  const health = new HealthObserver(() => bus);
  const server = createServer();
  const rpc = rpcMetrics(registry);
  addService(
    server,
    ProviderService,
    chatServiceImpl({ adapters, directory, logger, metrics, health, rateLimitRetries: config.RATE_LIMIT_RETRIES }),
    { logger, metrics: rpc },
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
    { logger, metrics: rpc },
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
      await ops.close();
      await transport.close();
      stopConnecting.abort();
      await connecting;
      await bus?.close();
    },
  };
}
