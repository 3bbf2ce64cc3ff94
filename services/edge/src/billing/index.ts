import { Router, type RequestHandler } from 'express';
import type { Logger } from '@gatewayz/logger';
import { jsonBody } from '../http/json-body';
import { accountRoutes } from './account.routes';
import { logAuditRecorder, type AuditRecorder } from './audit';
import type { BillingClient } from './http';
import { partnerRoutes } from './partners.routes';
import { promotionRoutes } from './promotions.routes';
import { stripeRoutes } from './stripe.routes';
import { usageRoutes } from './usage.routes';

export interface BillingRoutesDeps {
  billing: BillingClient;
  /** The one authentication middleware for user routes (API keys today; sessions can replace it). */
  authenticate: RequestHandler;
  logger: Logger;
  /** Audit trail for privileged operations (default: structured log lines). */
  audit?: AuditRecorder;
}

/** Every billing endpoint of the public API, calling the billing service over gRPC. */
export function billingRoutes(deps: BillingRoutesDeps): Router {
  const body = jsonBody({ limit: 64 * 1024, maxDepth: 16 });
  const common = { billing: deps.billing, authenticate: deps.authenticate, body, audit: deps.audit ?? logAuditRecorder(deps.logger) };
  const router = Router();
  router.use(stripeRoutes(common));
  router.use(accountRoutes(common));
  router.use(partnerRoutes(common));
  router.use(promotionRoutes(common));
  router.use(usageRoutes(common));
  return router;
}
