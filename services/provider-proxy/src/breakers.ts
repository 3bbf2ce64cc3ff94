import { BREAKER_TRANSITION_SUBJECT, CircuitBreakers, type BreakerTransition } from '@gatewayz/breakers';
import type { Bus } from '@gatewayz/bus';
import { loadCatalogFile } from '@gatewayz/catalog';
import type { Logger } from '@gatewayz/logger';
import { Counter, type Registry } from '@gatewayz/metrics';
import { createRedis } from '@gatewayz/redis';
import type { ProviderProxyConfig } from './config';

export interface RunningBreakers {
  breakers: CircuitBreakers;
  /** The catalog's providers (each has a provider-wide breaker, CLOSED until it fails). */
  knownProviders: () => string[];
  close(): void;
}

/**
 * Provider-proxy's circuit breakers: state in Redis (shared by every replica; in-process while
 * Redis is unreachable), each transition counted in `circuit_breaker_state_transitions_total`
 * and published on NATS (`breaker.transition`) for routing, the edge and the other replicas.
 */
export function startBreakers(a: {
  config: ProviderProxyConfig;
  logger: Logger;
  registry: Registry;
  bus: () => Bus | undefined;
  busReady: Promise<unknown>;
}): RunningBreakers {
  const { config, logger } = a;
  const transitions = new Counter({
    name: 'circuit_breaker_state_transitions_total',
    help: 'Circuit breaker state transitions, by provider, model ("" for the provider-wide breaker) and states',
    labelNames: ['provider', 'model', 'from_state', 'to_state'] as const,
    registers: [a.registry],
  });
  const redis = createRedis(config.REDIS_URL, { name: 'provider-proxy-breakers', commandTimeoutMs: config.REDIS_COMMAND_TIMEOUT_MS });
  let warned = false;
  const breakers = new CircuitBreakers({
    policy: {
      failureThreshold: config.BREAKER_FAILURE_THRESHOLD,
      cooldownMs: config.BREAKER_COOLDOWN_MS,
      halfOpenMaxProbes: config.BREAKER_HALF_OPEN_MAX_PROBES,
      successThreshold: config.BREAKER_SUCCESS_THRESHOLD,
    },
    namespace: config.GATEWAYZ_NAMESPACE,
    redis,
    onTransition: (t) => {
      transitions.inc({ provider: t.provider, model: t.model, from_state: t.from, to_state: t.to });
      logger.warn('circuit breaker transition', { provider: t.provider, model: t.model, from: t.from, to: t.to });
      a.bus()?.publishCore(BREAKER_TRANSITION_SUBJECT, t);
    },
    onStoreError: (err) => {
      if (!warned) logger.warn('breaker store (Redis) unavailable; using in-process breakers', { err: (err as Error).message });
      warned = true;
    },
  });
  void a.busReady.then(() => {
    a.bus()?.subscribeCore<BreakerTransition>(BREAKER_TRANSITION_SUBJECT, (t) => breakers.applyRemote(t));
  });
  const sync = setInterval(() => {
    void breakers.sync().then(
      () => (warned = false),
      () => undefined,
    );
  }, config.BREAKER_SYNC_MS);
  sync.unref();
  const providers = loadCatalogFile().providers.map((p) => p.slug);
  return {
    breakers,
    knownProviders: () => providers,
    close: () => {
      clearInterval(sync);
      breakers.close();
      redis.disconnect();
    },
  };
}
