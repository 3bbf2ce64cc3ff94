import { GatewayError } from '@gatewayz/errors';
import type { Decision, RuleState } from '@gatewayz/ratelimit';

/**
 * Rate-limit headers. Every 429, from every layer: Retry-After (seconds) and retry-after-ms
 * (what the OpenAI and Anthropic SDKs read to back off), X-RateLimit-Limit, -Remaining and
 * -Reset (Unix seconds). Successful /v1 responses: OpenAI's x-ratelimit-{limit,remaining,reset}-
 * {requests,tokens}, with resets as durations ("1s", "6m0s").
 */

/** A duration the way OpenAI writes it: "850ms", "1.5s", "6m0s", "1h2m3s". */
export function openAiDuration(ms: number): string {
  const clamped = Math.max(0, Math.ceil(ms));
  if (clamped < 1_000) return `${clamped}ms`;
  const totalSeconds = clamped / 1000;
  const h = Math.floor(totalSeconds / 3600);
  const m = Math.floor((totalSeconds % 3600) / 60);
  const s = totalSeconds - h * 3600 - m * 60;
  const sText = `${Number.isInteger(s) ? s : Number(s.toFixed(3))}s`;
  if (h > 0) return `${h}h${m}m${sText}`;
  if (m > 0) return `${m}m${sText}`;
  return sText;
}

export function successHeaders(states: { requests?: RuleState; tokens?: RuleState }, nowMs: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (states.requests) {
    out['x-ratelimit-limit-requests'] = String(states.requests.limit);
    out['x-ratelimit-remaining-requests'] = String(states.requests.remaining);
    out['x-ratelimit-reset-requests'] = openAiDuration(states.requests.resetAtMs - nowMs);
  }
  if (states.tokens) {
    out['x-ratelimit-limit-tokens'] = String(states.tokens.limit);
    out['x-ratelimit-remaining-tokens'] = String(states.tokens.remaining);
    out['x-ratelimit-reset-tokens'] = openAiDuration(states.tokens.resetAtMs - nowMs);
  }
  return out;
}

export interface LimitedBy {
  limit: number;
  remaining: number;
  resetAtMs: number;
  retryAfterMs: number;
}

export function tooManyHeaders(l: LimitedBy, extra: Record<string, string> = {}): Record<string, string> {
  const retryAfterMs = Math.max(1, Math.ceil(l.retryAfterMs));
  return {
    'Retry-After': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'retry-after-ms': String(retryAfterMs),
    'X-RateLimit-Limit': String(l.limit),
    'X-RateLimit-Remaining': String(Math.max(0, l.remaining)),
    'X-RateLimit-Reset': String(Math.ceil(l.resetAtMs / 1000)),
    ...extra,
  };
}

/** A 429 carrying every header a client needs to back off. */
export function rateLimited(a: { code: string; message: string; limitedBy: LimitedBy; headers?: Record<string, string> }): GatewayError {
  const seconds = Math.max(1, Math.ceil(a.limitedBy.retryAfterMs / 1000));
  return new GatewayError({
    code: a.code,
    status: 429,
    message: `${a.message} Retry after ${seconds} s.`,
    headers: tooManyHeaders(a.limitedBy, a.headers),
  });
}

/** The state that refused a window decision, as LimitedBy. */
export function limitedBy(decision: Decision): LimitedBy {
  const b = decision.blocked!;
  return { limit: b.limit, remaining: b.remaining, resetAtMs: b.resetAtMs, retryAfterMs: decision.retryAfterMs };
}
