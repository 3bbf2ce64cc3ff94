import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { errors } from '@gatewayz/errors';
import type { RoutingPolicyService, TrafficSplit } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import { validationError } from '@gatewayz/wire';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';
import { requireRole } from '../auth/require-role.middleware';

const splitBody = z.strictObject({
  weights: z
    .record(z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must map provider slugs to weights'), z.number().int('must be an integer').min(1).max(1000))
    .refine((w) => Object.keys(w).length > 0, 'must name at least one provider'),
  sticky: z.boolean().optional(),
});

export function splitJson(s: TrafficSplit) {
  const total = s.weights.reduce((n, w) => n + w.weight, 0);
  return {
    model: s.model,
    weights: Object.fromEntries(s.weights.map((w) => [w.provider, w.weight])),
    shares: Object.fromEntries(s.weights.map((w) => [w.provider, total ? Math.round((w.weight / total) * 10_000) / 10_000 : 0])),
    sticky: s.sticky,
    updated_by: s.updatedBy || null,
    updated_at: s.updatedAtMs > 0n ? new Date(Number(s.updatedAtMs)).toISOString() : null,
  };
}

/** Model ids contain slashes: /admin/traffic-splits/openai/gpt-4o. */
function modelParam(req: Request): string {
  const raw = (req.params as { model?: string | string[] }).model;
  const model = Array.isArray(raw) ? raw.join('/') : (raw ?? '');
  if (!model) throw errors.invalidRequest('The model is missing from the path.', 'model');
  return model;
}

/**
 * Traffic splits (admin): weights per model across its providers (e.g. 70/30), stored by
 * routing (table traffic_splits) and applied per request by the edge. A change reaches every
 * replica at once (routing.changed on NATS).
 */
export function trafficSplitsRouter(deps: {
  policy: ServiceClient<typeof RoutingPolicyService>;
  authenticator: ApiKeyAuthenticator;
  json: (req: Request, res: Response, next: NextFunction) => void;
  timeoutMs: number;
}): Router {
  const router = Router();
  const { policy, timeoutMs } = deps;
  router.use('/admin/traffic-splits', requireApiKey(deps.authenticator), requireRole('admin'));

  router.get('/admin/traffic-splits', async (req, res) => {
    const r = await policy.listTrafficSplits({}, { timeoutMs, requestId: req.id });
    res.json({ data: r.splits.map(splitJson) });
  });

  router.get('/admin/traffic-splits/{*model}', async (req, res) => {
    const r = await policy.getTrafficSplit({ model: modelParam(req) }, { timeoutMs, requestId: req.id });
    res.json(splitJson(r.split!));
  });

  router.put('/admin/traffic-splits/{*model}', deps.json, async (req, res) => {
    const model = modelParam(req);
    const parsed = splitBody.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const r = await policy.setTrafficSplit(
      {
        model,
        weights: Object.entries(parsed.data.weights).map(([provider, weight]) => ({ provider, weight })),
        sticky: parsed.data.sticky ?? false,
        updatedBy: req.auth!.userId,
      },
      { timeoutMs, requestId: req.id },
    );
    res.json(splitJson(r.split!));
  });

  router.delete('/admin/traffic-splits/{*model}', async (req, res) => {
    const r = await policy.deleteTrafficSplit({ model: modelParam(req) }, { timeoutMs, requestId: req.id });
    res.json({ model: r.model, deleted: true });
  });

  return router;
}
