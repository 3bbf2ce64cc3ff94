import { costMicros } from '@gatewayz/pricing';
import type { RoutePrice } from './pricing-guard';

/**
 * What Authorize holds before a request goes upstream: the most the request can cost. The
 * prompt is estimated (the gateway cannot tokenize for every provider before the call); the
 * output is bounded by `max_tokens` (capped to the model's limit) or the model's limit. Across
 * a failover chain the dearest route counts, since any of them may serve.
 */
export interface ReservationEstimate {
  promptTokens: number;
  maxOutputTokens: number;
  /** Images to generate (priced per image), when the request makes images. */
  images?: number;
  /** Seconds of audio to transcribe (priced per second). */
  audioSeconds?: number;
  /** Characters to speak (priced per million characters). */
  characters?: number;
}

/** Characters per token for the fallback estimate (CM-14.1: 1 token per 4 characters). */
export const CHARS_PER_TOKEN = 4;
/** Per-message overhead (role, separators) in the estimate, in characters. */
export const MESSAGE_OVERHEAD_CHARS = 4;
/** An image part in a prompt, counted as this many tokens when nothing better is known. */
export const IMAGE_PART_TOKENS = 1_000;

export function estimateTokensFromChars(chars: number): number {
  return Math.max(1, Math.ceil(Math.max(0, chars) / CHARS_PER_TOKEN));
}

/** `max_tokens` capped to the model's limit; the model's limit when the request sets none. */
export function outputBound(input: { requested?: number | null; modelLimit: number }): number {
  const limit = input.modelLimit > 0 ? input.modelLimit : Number.MAX_SAFE_INTEGER;
  if (input.requested === undefined || input.requested === null) return input.modelLimit > 0 ? input.modelLimit : 0;
  return Math.min(Math.max(0, Math.floor(input.requested)), limit);
}

/** One route's maximum: every prompt token at the dearest input price (cache writes may cost more). */
export function routeMaxCost(price: RoutePrice, estimate: ReservationEstimate): bigint {
  const input = [price.promptPerMtok, price.cacheReadPerMtok, price.cacheWritePerMtok].reduce((a, b) => (b > a ? b : a));
  const tokens = costMicros(
    { inputTokens: estimate.promptTokens, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: estimate.maxOutputTokens },
    { promptPerMtok: input, completionPerMtok: price.completionPerMtok, cacheReadPerMtok: null, cacheWritePerMtok: null, perRequest: price.perRequest },
  );
  const media =
    BigInt(estimate.images ?? 0) * price.perImage +
    BigInt(Math.ceil(estimate.audioSeconds ?? 0)) * (price.perAudioSecond ?? 0n) +
    (BigInt(estimate.characters ?? 0) * (price.perMillionChars ?? 0n) + 999_999n) / 1_000_000n;
  return tokens + media;
}

/** The reservation: the maximum cost over every route of the chain. */
export function reservationMicros(routes: readonly { price?: RoutePrice }[], estimate: ReservationEstimate): bigint {
  let max = 0n;
  for (const r of routes) {
    if (!r.price) continue;
    const c = routeMaxCost(r.price, estimate);
    if (c > max) max = c;
  }
  return max;
}
