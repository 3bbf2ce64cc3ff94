import express, { type Express } from 'express';
import type { Logger } from '@gatewayz/logger';
import type { Registry, httpMetrics } from '@gatewayz/metrics';
import type { BillingService, BreakerService, RoutingPolicyService, RoutingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ApiKeyAuthenticator } from './auth/api-key-auth';
import { adminProvidersRouter } from './admin/providers.routes';
import type { CustomProviderService } from './admin/custom-providers.service';
import { requireApiKey } from './auth/authenticate.middleware';
import { providerKeysRouter, type ProviderKeysDeps } from './byok/provider-keys.routes';
import { billingRoutes } from './billing';
import { chainedAuditRecorder } from './billing/audit';
import { chatCompletionsHandler } from './chat/chat-completions.route';
import type { InferenceService } from './inference/inference.service';
import { completionsHandler } from './completions/completions.route';
import type { EdgeConfig } from './config';
import { healthHandler, quickHealthHandler, type DependencyCheck } from './health/health.route';
import type { IdentityModule } from './identity/identity.module';
import { errorHandler, notFoundHandler } from './http/errors';
import { jsonBody } from './http/json-body';
import { requestBasics } from './http/request-basics';
import { mediaRouter } from './media/media.routes';
import { messagesRouter } from './messages/messages.routes';
import { DefaultTokenCounter } from './messages/token-counter';
import { listModelsHandler, retrieveModelHandler } from './models/models.route';
import { circuitBreakersRouter } from './resilience/circuit-breakers.routes';
import { routersRouter } from './routing/routers.routes';
import { trafficSplitsRouter } from './routing/traffic-splits.routes';

export interface AppDeps {
  config: EdgeConfig;
  logger: Logger;
  registry: Registry;
  http: ReturnType<typeof httpMetrics>;
  authenticator: ApiKeyAuthenticator;
  routing: ServiceClient<typeof RoutingService>;
  policy: ServiceClient<typeof RoutingPolicyService>;
  breakers: ServiceClient<typeof BreakerService>;
  billing: ServiceClient<typeof BillingService>;
  inference: InferenceService;
  providerKeys: ProviderKeysDeps;
  customProviders: CustomProviderService;
  checks: Record<string, DependencyCheck>;
  /** Identity's middleware and routers; `audit` records admin actions (e.g. credit grants) in the audit log. */
  identity: IdentityModule['http'] & { audit: IdentityModule['audit'] };
}

/** The public HTTP API. Every error leaves through errorHandler, in the route's API format. */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  app.set('trust proxy', config.TRUST_PROXY);

  app.use(requestBasics(deps.http));

  app.get('/health/quick', quickHealthHandler());
  app.get('/health', healthHandler({ version: config.GATEWAYZ_VERSION, checks: deps.checks }));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', deps.registry.contentType);
    res.end(await deps.registry.metrics());
  });

  // Identity: layer-1 IP limits; every /admin route behind the admin guard (keep this above
  // any admin route); authentication and layers 2/3 in front of every /v1 route.
  app.use(deps.identity.ipLimit);
  app.use(['/admin', '/api/admin'], deps.identity.adminGuard);
  app.use('/v1', deps.identity.v1Gate);

  app.get('/v1/models', listModelsHandler(deps.routing, config.RESOLVE_TIMEOUT_MS));
  app.get('/v1/models/{*id}', retrieveModelHandler(deps.routing, config.RESOLVE_TIMEOUT_MS));

  const body = jsonBody({ limit: config.MAX_BODY_BYTES, maxDepth: config.MAX_JSON_DEPTH });
  app.post('/v1/chat/completions', requireApiKey(deps.authenticator), body, chatCompletionsHandler(deps.inference));
  const limits = { limit: config.MAX_BODY_BYTES, maxDepth: config.MAX_JSON_DEPTH };
  app.use(messagesRouter({ authenticator: deps.authenticator, inference: deps.inference, tokenCounter: new DefaultTokenCounter(), body: limits }));
  app.post('/v1/completions', requireApiKey(deps.authenticator), body, completionsHandler(deps.inference));
  app.use(mediaRouter({ authenticator: deps.authenticator, inference: deps.inference, body: limits, maxAudioBytes: config.MAX_AUDIO_BYTES }));
  app.use(providerKeysRouter({ ...deps.providerKeys, authenticator: deps.authenticator, body: limits }));

  app.use(deps.identity.router);
  app.use('/admin/providers', adminProvidersRouter({ authenticator: deps.authenticator, body, providers: deps.customProviders }));

  const rpc = { authenticator: deps.authenticator, timeoutMs: config.RESOLVE_TIMEOUT_MS };
  app.use(circuitBreakersRouter({ ...rpc, breakers: deps.breakers }));
  app.use(trafficSplitsRouter({ ...rpc, policy: deps.policy, json: body }));
  app.use(routersRouter({ ...rpc, policy: deps.policy, json: body }));
  app.use(
    billingRoutes({
      billing: deps.billing,
      authenticate: requireApiKey(deps.authenticator),
      logger: deps.logger,
      audit: chainedAuditRecorder(deps.identity.audit),
    }),
  );

  app.use(notFoundHandler());
  app.use(errorHandler(deps.logger));
  return app;
}
