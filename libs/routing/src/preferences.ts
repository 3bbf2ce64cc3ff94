/**
 * Request-level routing preferences (OpenRouter's `provider` object), as routing receives them.
 * Money is integer micro-dollars (token prices per million tokens).
 */
export type ProviderSortKey = 'price' | 'latency' | 'throughput';

export interface RoutingPreferences {
  order: string[];
  only: string[];
  ignore: string[];
  /** Default true. */
  allowFallbacks: boolean;
  sort: ProviderSortKey | undefined;
  maxPrice: { promptPerMtok?: bigint; completionPerMtok?: bigint; perRequest?: bigint; perImage?: bigint } | undefined;
  requireParameters: boolean;
}

export const NO_PREFERENCES: RoutingPreferences = {
  order: [],
  only: [],
  ignore: [],
  allowFallbacks: true,
  sort: undefined,
  maxPrice: undefined,
  requireParameters: false,
};

/** Blended price per million tokens (3 input : 1 output, the usual chat mix), micro-dollars. */
export function blendedPrice(p: { promptPerMtok: bigint; completionPerMtok: bigint }): bigint {
  return (3n * p.promptPerMtok + p.completionPerMtok) / 4n;
}
