import { Router, type NextFunction, type Request, type Response } from 'express';
import { z } from 'zod';
import { microsToDollars } from '@gatewayz/catalog';
import { RouterKind, type RouterDecision, type RoutingPolicyService } from '@gatewayz/proto';
import { routerInputFrom } from '@gatewayz/routing';
import type { ServiceClient } from '@gatewayz/rpc';
import { chatMessageSchema, validationError } from '@gatewayz/wire';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';

const testBody = z
  .strictObject({
    prompt: z.string().min(1, 'must not be empty').max(100_000).optional(),
    messages: z.array(chatMessageSchema).min(1).max(1_000).optional(),
    mode: z.string().min(1).max(32).optional(),
  })
  .refine((b) => b.prompt !== undefined || b.messages !== undefined, { message: 'is required (or send messages)', path: ['prompt'] });

/** Micro-dollars per million tokens → dollars per million tokens, exact text. */
const perMillion = (micros: bigint) => microsToDollars(micros);

export function decisionJson(d: RouterDecision, kind: 'general' | 'code') {
  return {
    router: d.router,
    mode: d.mode,
    selected_model: d.selectedModel,
    ...(kind === 'general' ? { task: d.task } : { complexity: d.mode === 'auto' ? d.task : null, tier: d.tier }),
    reasoning: d.reasoning,
    used_default: d.usedDefault,
    candidates: d.candidates.map((c) => ({
      model: c.model,
      score: c.score,
      ...(kind === 'general' ? { quality: c.quality } : { tier: c.tier }),
      price_per_million_tokens: perMillion(c.blendedPricePerMtok),
      latency_ms: c.latencyMs,
      latency_source: c.latencySource,
    })),
  };
}

/**
 * The routers' endpoints: what they choose from (public, like /v1/models) and dry runs on a
 * prompt (any API key; no upstream call, nothing charged). The same choice happens when a chat
 * request names `router:general:<mode>` or `router:code:<mode>` as its model.
 */
export function routersRouter(deps: {
  policy: ServiceClient<typeof RoutingPolicyService>;
  authenticator: ApiKeyAuthenticator;
  json: (req: Request, res: Response, next: NextFunction) => void;
  timeoutMs: number;
}): Router {
  const router = Router();
  const { policy, timeoutMs } = deps;

  router.get('/general-router/settings/options', async (req, res) => {
    const r = await policy.getGeneralRouterOptions({}, { timeoutMs, requestId: req.id });
    res.json({
      modes: r.modes.map((m) => ({
        mode: m.mode,
        model: `router:general:${m.mode}`,
        description: m.description,
        default_model: m.defaultModel,
        weights: { quality: m.qualityWeight, price: m.priceWeight, latency: m.latencyWeight },
      })),
      model_pool: r.modelPool,
      tasks: r.tasks,
      benchmarks: r.benchmarks,
    });
  });

  router.get('/code-router/tiers', async (req, res) => {
    const r = await policy.listCodeRouterTiers({}, { timeoutMs, requestId: req.id });
    res.json({
      tiers: r.tiers.map((t) => ({
        tier: t.tier,
        name: t.name,
        description: t.description,
        models: t.models.map((m) => ({
          model: m.model,
          swe_bench: m.sweBench || null,
          humaneval: m.humaneval || null,
          agentic: m.agentic,
          price_per_million_tokens: perMillion(m.blendedPricePerMtok),
          available: m.available,
        })),
      })),
      modes: r.modes.map((m) => ({ mode: m.mode, model: `router:code:${m.mode}`, description: m.description })),
    });
  });

  const test = (kind: 'general' | 'code', defaultMode: string) => async (req: Request, res: Response) => {
    const parsed = testBody.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    const input = routerInputFrom({ messages: body.messages ?? [{ role: 'user', content: body.prompt! }] });
    const r = await policy.testRouter(
      { kind: kind === 'code' ? RouterKind.CODE : RouterKind.GENERAL, mode: (body.mode ?? defaultMode).toLowerCase(), input },
      { timeoutMs, requestId: req.id },
    );
    res.json(decisionJson(r.decision!, kind));
  };
  router.post('/general-router/test', requireApiKey(deps.authenticator), deps.json, test('general', 'balanced'));
  router.post('/code-router/test', requireApiKey(deps.authenticator), deps.json, test('code', 'auto'));

  return router;
}
