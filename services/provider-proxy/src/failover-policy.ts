import type { ProviderError } from '@gatewayz/errors';

/**
 * What to do after an attempt failed before its first byte. Small named predicates and
 * constants, no I/O (spec AC-2.4; docs/failover.md):
 *  - the user's own error (400, 413, 422, or a parameter this provider cannot honour) goes back
 *    as is: another provider would refuse it too;
 *  - 429: retry the same provider with full-jitter exponential backoff, honouring Retry-After,
 *    then move on;
 *  - anything else (401/402/403/404/408/5xx, connection errors, timeouts): next provider;
 *  - a parameter this provider's adapter cannot honour (refused before any upstream call): skip
 *    to the next provider, which may honour it; only when none can does the 400 reach the client.
 */
export type Verdict = 'return_to_client' | 'retry_same_provider' | 'next_provider' | 'skip_provider';

export const BACKOFF_BASE_MS = 250;
export const BACKOFF_CAP_MS = 8_000;
/** Never start a retry that cannot finish before the deadline with this margin. */
export const DEADLINE_MARGIN_MS = 250;

export function isUserError(err: ProviderError): boolean {
  return err.status === 400 || err.status === 413 || err.status === 422;
}

export function isCancellation(err: ProviderError): boolean {
  return err.status === 499;
}

export function isRateLimited(err: ProviderError): boolean {
  return err.upstreamStatus === 429 || err.status === 429;
}

/** Refused by the adapter's translation (no request was sent): the provider lacks the parameter. */
export function isTranslationRejection(err: ProviderError): boolean {
  return err.upstreamStatus === 0 && err.status === 400 && err.code === 'unsupported_parameter';
}

export function verdictFor(err: ProviderError): Verdict {
  if (isTranslationRejection(err)) return 'skip_provider';
  if (isUserError(err) || isCancellation(err)) return 'return_to_client';
  if (isRateLimited(err)) return 'retry_same_provider';
  return 'next_provider';
}

/** Delay before retry number `attempt` (0-based): Retry-After when given, else full jitter. */
export function backoffMs(attempt: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.min(retryAfterMs, BACKOFF_CAP_MS * 4);
  const ceiling = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export function fitsDeadline(delayMs: number, deadline: number, now: number = Date.now()): boolean {
  return now + delayMs + DEADLINE_MARGIN_MS < deadline;
}

/**
 * How a failed attempt counts for the circuit breakers (docs/failover.md "Circuit breakers"):
 *  - the client's own error (400/413/422): the provider answered properly → a success;
 *  - a rate limit or a cancellation says nothing either way → neutral (a probe slot is freed);
 *  - 404: this model is missing at this provider → the provider+model breaker only;
 *  - anything else (5xx, timeouts, connection errors, refused credentials, a broken stream):
 *    the provider's failure.
 */
export type BreakerVerdict = 'success' | 'neutral' | 'provider_failure' | 'model_failure';

export function breakerVerdict(err: ProviderError): BreakerVerdict {
  if (isUserError(err)) return 'success';
  if (isCancellation(err) || isRateLimited(err)) return 'neutral';
  if (err.upstreamStatus === 404) return 'model_failure';
  return 'provider_failure';
}

/**
 * The wait before retrying a 429 on the same provider, or undefined to fail over at once: the
 * provider asked for longer than `maxWaitMs`, or the wait would not fit the deadline.
 */
export function rateLimitDelay(a: { retry: number; retryAfterMs: number | undefined; maxWaitMs: number; deadline: number; random?: () => number; now?: number }): number | undefined {
  if (a.retryAfterMs !== undefined && a.retryAfterMs > a.maxWaitMs) return undefined;
  const delay = backoffMs(a.retry, a.retryAfterMs, a.random);
  return fitsDeadline(delay, a.deadline, a.now) ? delay : undefined;
}
