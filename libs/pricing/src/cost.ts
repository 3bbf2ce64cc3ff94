/**
 * cost = Σ bucket tokens × bucket price, in integer micro-dollars. Prices are per million
 * tokens, so the exact cost is a fraction of a micro-dollar; it is rounded up once per request
 * (at most 1 µ$ in the gateway's favour, never a free token).
 */
export interface TokenPrice {
  promptPerMtok: bigint;
  completionPerMtok: bigint;
  /** null: cache reads cost the prompt price. */
  cacheReadPerMtok: bigint | null;
  /** null: cache writes cost the prompt price. */
  cacheWritePerMtok: bigint | null;
  perRequest: bigint | null;
}

export interface TokenUsage {
  /** Uncached input tokens (excludes cache reads and writes). */
  inputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  /** All output tokens, reasoning included. */
  outputTokens: number;
}

const MILLION = 1_000_000n;

function tokens(n: number): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`token count must be a non-negative integer, got ${n}`);
  return BigInt(n);
}

export function costMicros(usage: TokenUsage, price: TokenPrice): bigint {
  const numerator =
    tokens(usage.inputTokens) * price.promptPerMtok +
    tokens(usage.cacheReadTokens) * (price.cacheReadPerMtok ?? price.promptPerMtok) +
    tokens(usage.cacheWriteTokens) * (price.cacheWritePerMtok ?? price.promptPerMtok) +
    tokens(usage.outputTokens) * price.completionPerMtok;
  const variable = (numerator + MILLION - 1n) / MILLION;
  return variable + (price.perRequest ?? 0n);
}
