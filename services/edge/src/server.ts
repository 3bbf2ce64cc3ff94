import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Bus } from '@gatewayz/bus';
import { loadCatalogFile } from '@gatewayz/catalog';
import { Fernet } from '@gatewayz/crypto';
import { createPrisma } from '@gatewayz/db';
import { createLogger, type Logger } from '@gatewayz/logger';
import { createRegistry, httpMetrics, inferenceMetrics } from '@gatewayz/metrics';
import { BREAKER_TRANSITION_SUBJECT } from '@gatewayz/breakers';
import { BillingService, BreakerService, MediaService, ProviderService, RoutingPolicyService, RoutingService } from '@gatewayz/proto';
import { SUBJECTS } from '@gatewayz/routing';
import { createRedis } from '@gatewayz/redis';
import { createClient } from '@gatewayz/rpc';
import { CustomProviderService } from './admin/custom-providers.service';
import { createApp } from './app';
import { ApiKeyAuthenticator } from './auth/api-key-auth';
import { ApiKeyRepository } from './auth/api-key.repository';
import { ByokKeys } from './byok/byok-keys';
import { ProviderKeyRepository } from './byok/provider-keys.repository';
import type { EdgeConfig } from './config';
import { USAGE_STREAM, UsagePublisher } from './events/usage-publisher';
import { answerClientErrors } from './http/client-errors';
import { IdentityModule, checkAnonymousLimits } from './identity/identity.module';
import { InferenceService } from './inference/inference.service';
import { ResolveCache } from './routing/resolve-cache';

export interface RunningEdge {
  port: number;
  url: string;
  usage: UsagePublisher;
  identity: IdentityModule;
  /** The express app (tests walk its routes). */
  app: Express;
  close(): Promise<void>;
}

export async function startEdge(config: EdgeConfig, options: { logger?: Logger } = {}): Promise<RunningEdge> {
  checkAnonymousLimits(config);
  const logger = options.logger ?? createLogger({ service: 'edge', level: config.LOG_LEVEL });
  const registry = createRegistry('edge');
  const catalogSlugs = loadCatalogFile().providers.map((p) => p.slug);
  const prisma = createPrisma({ url: config.DATABASE_URL, poolSize: 10 });
  const redis = createRedis(config.REDIS_URL, { name: 'edge', commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
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
  const media = createClient(MediaService, config.PROVIDER_PROXY_ADDR, { defaultTimeoutMs: config.REQUEST_TIMEOUT_MS });
  const providerKeys = new ProviderKeyRepository(prisma, fernet);
  const byok = new ByokKeys(providerKeys, logger, { ttlMs: config.BYOK_CACHE_TTL_MS, maxEntries: 10_000 });
  const policy = createClient(RoutingPolicyService, config.ROUTING_ADDR, { defaultTimeoutMs: config.RESOLVE_TIMEOUT_MS });
  const breakers = createClient(BreakerService, config.PROVIDER_PROXY_ADDR, { defaultTimeoutMs: config.RESOLVE_TIMEOUT_MS });
  const billing = createClient(BillingService, config.BILLING_ADDR, { defaultTimeoutMs: config.BILLING_TIMEOUT_MS });

  const resolver = new ResolveCache(routing, {
    ttlMs: config.RESOLVE_CACHE_TTL_MS,
    maxEntries: 10_000,
    timeoutMs: config.RESOLVE_TIMEOUT_MS,
  });

  // NATS may be down at start: usage events queue until it is reachable.
  let bus: Bus | undefined;
  const identity = new IdentityModule({ config, logger, registry, prisma, redis, repository, authenticator, bus: () => bus });
  identity.start();
  const stopConnecting = new AbortController();
  const connecting = Bus.connectWithRetry({ url: config.NATS_URL, name: 'edge', namespace: config.GATEWAYZ_NAMESPACE, logger }, stopConnecting.signal)
    .then(async (b) => {
      if (!b) return;
      await b.ensureStream(USAGE_STREAM);
      b.subscribeCore('catalog.updated', () => resolver.clear());
      b.subscribeCore<{ user_id?: string }>('byok.changed', (m) => m.user_id && byok.invalidate(m.user_id));
      // Breakers, traffic splits and health verdicts change routing's answers: drop cached chains.
      b.subscribeCore(BREAKER_TRANSITION_SUBJECT, () => resolver.clear());
      b.subscribeCore(SUBJECTS.routingChanged, () => resolver.clear());
      bus = b;
      await identity.attachBus(b);
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
    providerKeys: {
      repository: providerKeys,
      providers: new Set(catalogSlugs.filter((slug) => slug !== 'sim')),
      changed: (userId) => {
        byok.invalidate(userId);
        bus?.publishCore('byok.changed', { user_id: userId });
      },
    },
    customProviders: new CustomProviderService({
      prisma,
      fernet,
      builtIn: new Set(catalogSlugs),
      catalogUpdated: () => {
        resolver.clear();
        bus?.publishCore('catalog.updated', { source: 'admin', at: Date.now() });
      },
      logger,
    }),
    policy,
    breakers,
    billing,
    inference: new InferenceService({
      resolver,
      proxy,
      media,
      byok,
      billing,
      billingTimeoutMs: config.BILLING_TIMEOUT_MS,
      usage,
      metrics: inferenceMetrics(registry),
      requestTimeoutMs: config.REQUEST_TIMEOUT_MS,
      tokenMeter: identity.tokenMeter,
    }),
    identity: { ...identity.http, audit: identity.audit },
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

  const server = http.createServer(
    { headersTimeout: config.HEADERS_TIMEOUT_MS, requestTimeout: config.BODY_TIMEOUT_MS, keepAliveTimeout: 65_000, maxHeaderSize: config.MAX_HEADER_BYTES },
    app,
  );
  answerClientErrors(server);
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
    identity,
    app,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      await usage.drain(5_000);
      await identity.close();
      routing.close();
      proxy.close();
      media.close();
      policy.close();
      breakers.close();
      billing.close();
      stopConnecting.abort();
      await connecting;
      await bus?.close();
      redis.disconnect();
      await prisma.$disconnect();
    },
  };
}
