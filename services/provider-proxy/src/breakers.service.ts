import type { MessageInitShape } from '@bufbuild/protobuf';
import type { BreakerSnapshot, CircuitBreakers } from '@gatewayz/breakers';
import { errors } from '@gatewayz/errors';
import { BreakerState, type BreakerSchema, type BreakerService } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';

const STATES = { closed: BreakerState.CLOSED, open: BreakerState.OPEN, half_open: BreakerState.HALF_OPEN } as const;

function breakerInit(b: BreakerSnapshot): MessageInitShape<typeof BreakerSchema> {
  const r = b.record;
  return {
    provider: b.provider,
    model: b.model,
    state: STATES[b.state],
    consecutiveFailures: r.failures,
    openedAtMs: BigInt(r.openedAt),
    retryAtMs: BigInt(r.state === 'open' ? r.retryAt : 0),
    updatedAtMs: BigInt(r.updatedAt),
  };
}

/**
 * BreakerService: the breakers provider-proxy owns, for the edge's /circuit-breakers endpoints.
 * `knownProviders` are the catalog's providers: each has a provider-wide breaker (CLOSED until
 * something happens); an unknown provider is NOT_FOUND.
 */
export function breakerServiceImpl(breakers: CircuitBreakers, knownProviders: () => string[]): ServiceImpl<typeof BreakerService> {
  const config = () => {
    const p = breakers.policy;
    return {
      failureThreshold: p.failureThreshold,
      cooldownMs: p.cooldownMs,
      halfOpenMaxProbes: p.halfOpenMaxProbes,
      successThreshold: p.successThreshold,
      store: breakers.storeName,
    };
  };
  const requireKnown = async (provider: string) => {
    const listed = await breakers.list();
    if (!knownProviders().includes(provider) && !listed.some((b) => b.provider === provider)) {
      throw errors.notFound(`No provider '${provider.slice(0, 100)}'. GET /circuit-breakers lists them.`, 'provider_not_found');
    }
    return listed;
  };
  return {
    async listBreakers() {
      const listed = await breakers.list();
      const withRecord = new Set(listed.filter((b) => !b.model).map((b) => b.provider));
      const fresh = await Promise.all(knownProviders().filter((p) => !withRecord.has(p)).map((p) => breakers.get(p)));
      const all = [...listed, ...fresh].sort((a, b) => a.provider.localeCompare(b.provider) || a.model.localeCompare(b.model));
      return { breakers: all.map(breakerInit), config: config() };
    },
    async getBreaker(req) {
      const listed = await requireKnown(req.provider);
      return {
        breaker: breakerInit(listed.find((b) => b.provider === req.provider && !b.model) ?? (await breakers.get(req.provider))),
        models: listed.filter((b) => b.provider === req.provider && b.model).map(breakerInit),
        config: config(),
      };
    },
    async resetBreaker(req) {
      await requireKnown(req.provider);
      const reset = await breakers.reset(req.provider);
      return { breaker: breakerInit(await breakers.get(req.provider)), reset };
    },
    async resetAllBreakers() {
      return { reset: await breakers.resetAll() };
    },
  };
}
