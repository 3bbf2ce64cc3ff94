import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Bus } from '@gatewayz/bus';
import { Fernet } from '@gatewayz/crypto';
import { createPrisma } from '@gatewayz/db';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, httpMetrics, inferenceMetrics } from '@gatewayz/metrics';
import { BillingService, ProviderService, RoutingService } from '@gatewayz/proto';
import { createRedis } from '@gatewayz/redis';
import { createClient } from '@gatewayz/rpc';
import { createApp } from './app';
import { ApiKeyAuthenticator } from './auth/api-key-auth';
import { ApiKeyRepository } from './auth/api-key.repository';
import type { EdgeConfig } from './config';
import { USAGE_STREAM, UsagePublisher } from './events/usage-publisher';
import { InferenceService } from './inference/inference.service';
import { ResolveCache } from './routing/resolve-cache';

export interface RunningEdge {
  port: number;
  url: string;
  usage: UsagePublisher;
  close(): Promise<void>;
}

export async function startEdge(config: EdgeConfig, options: { logger?: Logger } = {}): Promise<RunningEdge> {
  const logger = options.logger ?? createLogger({ service: 'edge', level: config.LOG_LEVEL });
  const registry = createRegistry('edge');
  const prisma = createPrisma({ url: config.DATABASE_URL, poolSize: 10 });
  const redis = createRedis(config.REDIS_URL, { name: 'edge' });
  const fernet = new Fernet(config.API_KEY_ENCRYPTION_KEYS.split(','));
  const repository = new ApiKeyRepository(prisma, config.API_KEY_HMAC_SECRET, fernet);
  const authenticator = new ApiKeyAuthenticator(repository, config.API_KEY_HMAC_SECRET, {
    redis,
    namespace: config.GATEWAYZ_NAMESPACE,
    ttlMs: config.AUTH_CACHE_TTL_MS,
    entries: config.AUTH_CACHE_ENTRIES,
  });
  const routing = createClient(RoutingService, config.ROUTING_ADDR, { defaultTimeoutMs: config.RESOLVE_TIMEOUT_MS });
  const proxy = createClient(ProviderService, config.PROVIDER_PROXY_ADDR, { defaultTimeoutMs: config.REQUEST_TIMEOUT_MS });
  const billing = createClient(BillingService, config.BILLING_ADDR, { defaultTimeoutMs: config.BILLING_TIMEOUT_MS });

  const resolver = new ResolveCache(routing, {
    ttlMs: config.RESOLVE_CACHE_TTL_MS,
    maxEntries: 10_000,
    timeoutMs: config.RESOLVE_TIMEOUT_MS,
  });

  // NATS may be down at start: usage events queue until it is reachable.
  let bus: Bus | undefined;
  const stopConnecting = new AbortController();
  const connecting = Bus.connectWithRetry({ url: config.NATS_URL, name: 'edge', namespace: config.GATEWAYZ_NAMESPACE, logger }, stopConnecting.signal)
    .then(async (b) => {
      if (!b) return;
      await b.ensureStream(USAGE_STREAM);
      b.subscribeCore('catalog.updated', () => resolver.clear());
      bus = b;
    })
    .catch((err: unknown) => logger.error('NATS setup failed', { err }));
  const usage = new UsagePublisher(() => bus, logger);

  const app = createApp({
    config,
    logger,
    registry,
    http: httpMetrics(registry),
    authenticator,
    routing,
    billing,
    inference: new InferenceService({
      resolver,
      proxy,
      billing,
      billingTimeoutMs: config.BILLING_TIMEOUT_MS,
      usage,
      metrics: inferenceMetrics(registry),
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
    }),
    checks: {
      postgres: async () => {
        await prisma.$queryRaw`SELECT 1`;
      },
      redis: async () => {
        await redis.ping();
      },
      nats: async () => {
        if (!bus?.connected) throw new Error('not connected');
      },
      routing: async () => {
        if (!(await routing.ready(500))) throw new Error('unreachable');
      },
      provider_proxy: async () => {
        if (!(await proxy.ready(500))) throw new Error('unreachable');
      },
      billing: async () => {
        if (!(await billing.ready(500))) throw new Error('unreachable');
      },
    },
  });

  const server = http.createServer({ headersTimeout: config.HEADERS_TIMEOUT_MS, requestTimeout: config.BODY_TIMEOUT_MS, keepAliveTimeout: 65_000 }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.PORT, config.HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${config.HOST.includes(':') ? `[${config.HOST}]` : config.HOST}:${port}`;
  logger.info('edge listening', { url });

  return {
    port,
    url,
    usage,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await usage.drain(5_000);
      routing.close();
      proxy.close();
      billing.close();
      stopConnecting.abort();
      await connecting;
      await bus?.close();
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
}
