import express, { type Express } from 'express';
import type { Logger } from '@gatewayz/logger';
import type { Registry, httpMetrics } from '@gatewayz/metrics';
import type { BillingService, RoutingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ApiKeyAuthenticator } from './auth/api-key-auth';
import { requireApiKey } from './auth/authenticate.middleware';
import { billingRoutes } from './billing';
import { chatCompletionsHandler } from './chat/chat-completions.route';
import type { InferenceService } from './inference/inference.service';
import type { EdgeConfig } from './config';
import { healthHandler, quickHealthHandler, type DependencyCheck } from './health/health.route';
import { errorHandler, notFoundHandler } from './http/errors';
import { jsonBody } from './http/json-body';
import { requestBasics } from './http/request-basics';
import { listModelsHandler, retrieveModelHandler } from './models/models.route';

export interface AppDeps {
  config: EdgeConfig;
  logger: Logger;
  registry: Registry;
  http: ReturnType<typeof httpMetrics>;
  authenticator: ApiKeyAuthenticator;
  routing: ServiceClient<typeof RoutingService>;
  billing: ServiceClient<typeof BillingService>;
  inference: InferenceService;
  checks: Record<string, DependencyCheck>;
}

/** The public HTTP API. Every error leaves through errorHandler, in the route's API format. */
export function createApp(deps: AppDeps): Express {
  const { config } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');

  app.use(requestBasics(deps.http));

  app.get('/health/quick', quickHealthHandler());
  app.get('/health', healthHandler({ version: config.GATEWAYZ_VERSION, checks: deps.checks }));
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', deps.registry.contentType);
    res.end(await deps.registry.metrics());
  });

  app.get('/v1/models', listModelsHandler(deps.routing, config.RESOLVE_TIMEOUT_MS));
  app.get('/v1/models/{*id}', retrieveModelHandler(deps.routing, config.RESOLVE_TIMEOUT_MS));

  const body = jsonBody({ limit: config.MAX_BODY_BYTES, maxDepth: config.MAX_JSON_DEPTH });
  app.post('/v1/chat/completions', requireApiKey(deps.authenticator), body, chatCompletionsHandler(deps.inference));
  app.use(billingRoutes({ billing: deps.billing, authenticate: requireApiKey(deps.authenticator), logger: deps.logger }));

  app.use(notFoundHandler());
  app.use(errorHandler(deps.logger));
  return app;
}
