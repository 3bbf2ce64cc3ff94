import { GatewayError } from '@gatewayz/errors';

/**
 * The high-value guard: a premium model must never be served at $0 or at a default price by
 * accident. A route whose token prices are zero is only acceptable for a model explicitly
 * published as free (the `:free` suffix, OpenRouter's convention, or a catalog entry marked
 * free and not premium). Premium families are matched on the model part of the canonical id
 * ("<owner>/<model>"), case-insensitively.
 */
export const PREMIUM_MODEL_PATTERNS: readonly RegExp[] = [
  /^gpt-4/, // gpt-4, gpt-4o, gpt-4.1, gpt-4-turbo ...
  /^gpt-5/,
  /^chatgpt-/,
  /^o[1-9](\b|-|$)/, // o1, o1-mini, o3, o3-pro, o4-mini ...
  /^claude-/,
  /^gemini-1\.5-pro/,
  /^gemini-[2-9]/, // gemini-2.0-*, gemini-2.5-pro, gemini-3 ...
  /^gemini-.*pro/,
  /^gemini-ultra/,
  /^command-r-plus/,
  /^command-a/,
  /^mixtral-8x22b/,
  /^grok-[2-9]/,
  /^mistral-large/,
];

/** A route's price (routing.v1.Price): micro-dollars per million tokens, per request, per image. */
export interface RoutePrice {
  promptPerMtok: bigint;
  completionPerMtok: bigint;
  cacheReadPerMtok: bigint;
  cacheWritePerMtok: bigint;
  perRequest: bigint;
  perImage: bigint;
  /** Media units (transcription, speech); absent on text routes. */
  perAudioSecond?: bigint;
  perMillionChars?: bigint;
}

/** The model part of "<owner>/<model>" (or the whole id when it has no owner). */
export function modelFamilyName(modelId: string): string {
  const slash = modelId.lastIndexOf('/');
  return (slash === -1 ? modelId : modelId.slice(slash + 1)).toLowerCase();
}

export function isPremiumModel(modelId: string): boolean {
  const name = modelFamilyName(modelId).replace(/:free$/, '');
  return PREMIUM_MODEL_PATTERNS.some((p) => p.test(name));
}

export function isExplicitlyFree(modelId: string): boolean {
  return modelId.toLowerCase().endsWith(':free');
}

/** A route that costs nothing whatever the usage. */
export function isZeroPrice(price: RoutePrice | undefined): boolean {
  return (
    !price ||
    (price.promptPerMtok === 0n &&
      price.completionPerMtok === 0n &&
      price.perRequest === 0n &&
      price.perImage === 0n &&
      (price.perAudioSecond ?? 0n) === 0n &&
      (price.perMillionChars ?? 0n) === 0n)
  );
}

/**
 * Refuses (400, before any provider call) a premium model one of whose routes has no price.
 * Returns undefined when every route may be billed as priced.
 */
export function pricingGuard(input: { model: string; routes: readonly { provider: string; price?: RoutePrice }[] }): GatewayError | undefined {
  if (isExplicitlyFree(input.model) || !isPremiumModel(input.model)) return undefined;
  const unpriced = input.routes.find((r) => isZeroPrice(r.price));
  if (!unpriced) return undefined;
  return new GatewayError({
    code: 'model_pricing_unavailable',
    message: `The model '${input.model}' has no price configured for provider '${unpriced.provider}'. Premium models are never served at a default or zero price; try again later or choose another model.`,
    status: 400,
    param: 'model',
  });
}

/** Every route free (and the guard passed): nothing to reserve or charge. */
export function isFreeChain(routes: readonly { price?: RoutePrice }[]): boolean {
  return routes.length > 0 && routes.every((r) => isZeroPrice(r.price));
}
