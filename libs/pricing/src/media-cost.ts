/**
 * Price of a media request (embeddings, images, transcription, speech) in integer micro-dollars.
 * Each unit has its own price; the exact sum is a fraction of a micro-dollar and is rounded up
 * once per request, like token costs (costMicros).
 */
export interface MediaPrice {
  /** Per million input tokens (embeddings; image prompts when reported). */
  promptPerMtok: bigint;
  /** Per million output tokens. */
  completionPerMtok: bigint;
  perImage: bigint | null;
  perAudioSecond: bigint | null;
  perMillionChars: bigint | null;
  perRequest: bigint | null;
}

export interface MediaUnits {
  inputTokens: number;
  outputTokens: number;
  images: number;
  /** Audio transcribed, in milliseconds. */
  audioMs: number;
  /** Characters synthesized to speech. */
  characters: number;
}

const MILLION = 1_000_000n;

function count(n: number, what: string): bigint {
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${n}`);
  return BigInt(n);
}

/**
 * Σ units × unit price. Token and character prices are per million, audio per second (so per
 * 1,000 ms): everything is brought to millionths of a micro-dollar, summed, then rounded up.
 */
export function mediaCostMicros(units: MediaUnits, price: MediaPrice): bigint {
  const millionths =
    count(units.inputTokens, 'inputTokens') * price.promptPerMtok +
    count(units.outputTokens, 'outputTokens') * price.completionPerMtok +
    count(units.characters, 'characters') * (price.perMillionChars ?? 0n) +
    count(units.audioMs, 'audioMs') * (price.perAudioSecond ?? 0n) * 1_000n +
    count(units.images, 'images') * (price.perImage ?? 0n) * MILLION;
  return (millionths + MILLION - 1n) / MILLION + (price.perRequest ?? 0n);
}
