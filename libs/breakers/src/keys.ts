/**
 * Breaker keys: "<provider>" for the provider-wide breaker, "<provider>|<model>" for one model
 * at one provider (model = canonical id; neither slugs nor model ids contain "|").
 */
export function breakerKey(provider: string, model?: string): string {
  return model ? `${provider}|${model}` : provider;
}

export function parseBreakerKey(key: string): { provider: string; model: string } {
  const bar = key.indexOf('|');
  return bar < 0 ? { provider: key, model: '' } : { provider: key.slice(0, bar), model: key.slice(bar + 1) };
}

/** Core NATS subject of breaker transitions (provider-proxy → routing, edge, other replicas). */
export const BREAKER_TRANSITION_SUBJECT = 'breaker.transition';
