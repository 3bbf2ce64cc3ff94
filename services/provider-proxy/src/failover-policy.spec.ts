import { ProviderError } from '@gatewayz/errors';
import { BACKOFF_BASE_MS, BACKOFF_CAP_MS, backoffMs, breakerVerdict, fitsDeadline, rateLimitDelay, verdictFor } from './failover-policy';

const err = (status: number, upstreamStatus: number) =>
  new ProviderError({ provider: 'p', upstreamStatus, status, code: 'x', message: 'm' });

describe('failover policy', () => {
  it('returns user errors to the client and never fails over on 400', () => {
    expect(verdictFor(err(400, 400))).toBe('return_to_client');
    expect(verdictFor(err(413, 413))).toBe('return_to_client');
    expect(verdictFor(err(499, 0))).toBe('return_to_client');
  });

  it('skips a provider whose adapter refused a parameter (no upstream call), so the next may honour it', () => {
    const rejection = new ProviderError({ provider: 'p', upstreamStatus: 0, status: 400, code: 'unsupported_parameter', message: 'no n', param: 'n' });
    expect(verdictFor(rejection)).toBe('skip_provider');
    // The same 400 from the upstream itself goes back to the client.
    expect(verdictFor(new ProviderError({ provider: 'p', upstreamStatus: 400, status: 400, code: 'invalid_request', message: 'bad' }))).toBe('return_to_client');
  });

  it('retries the same provider on 429', () => {
    expect(verdictFor(err(429, 429))).toBe('retry_same_provider');
  });

  it.each([401, 402, 403, 404, 408, 500, 502, 503, 504, 529])('fails over on upstream %d', (status) => {
    expect(verdictFor(err(502, status))).toBe('next_provider');
  });

  it('fails over on connection errors and timeouts (no upstream status)', () => {
    expect(verdictFor(err(502, 0))).toBe('next_provider');
    expect(verdictFor(err(504, 0))).toBe('next_provider');
  });

  it('honours Retry-After, else uses full jitter under an exponential ceiling', () => {
    expect(backoffMs(0, 1500)).toBe(1500);
    expect(backoffMs(0, undefined, () => 0.999)).toBe(BACKOFF_BASE_MS - 1);
    expect(backoffMs(3, undefined, () => 0.5)).toBe(Math.floor(0.5 * BACKOFF_BASE_MS * 8));
    expect(backoffMs(30, undefined, () => 0.999)).toBeLessThan(BACKOFF_CAP_MS);
    expect(backoffMs(2, undefined, () => 0)).toBe(0);
  });

  it('never schedules a retry past the deadline', () => {
    expect(fitsDeadline(1000, 10_000, 0)).toBe(true);
    expect(fitsDeadline(1000, 1_100, 0)).toBe(false);
    expect(fitsDeadline(0, Infinity, 0)).toBe(true);
  });

  it('counts for the breakers: provider failures, a model missing at one provider, and what says nothing', () => {
    for (const status of [500, 502, 503, 504, 529, 401, 402, 403, 408]) expect(breakerVerdict(err(502, status))).toBe('provider_failure');
    expect(breakerVerdict(err(502, 0))).toBe('provider_failure');
    expect(breakerVerdict(err(502, 404))).toBe('model_failure');
    expect(breakerVerdict(err(400, 400))).toBe('success');
    expect(breakerVerdict(err(429, 429))).toBe('neutral');
    expect(breakerVerdict(err(499, 0))).toBe('neutral');
  });

  it('waits out a 429 only when the wait is short enough and fits the deadline', () => {
    expect(rateLimitDelay({ retry: 0, retryAfterMs: 1_000, maxWaitMs: 10_000, deadline: 60_000, now: 0 })).toBe(1_000);
    expect(rateLimitDelay({ retry: 0, retryAfterMs: 30_000, maxWaitMs: 10_000, deadline: 600_000, now: 0 })).toBeUndefined();
    expect(rateLimitDelay({ retry: 0, retryAfterMs: 5_000, maxWaitMs: 10_000, deadline: 5_100, now: 0 })).toBeUndefined();
    const jitter = rateLimitDelay({ retry: 1, retryAfterMs: undefined, maxWaitMs: 10_000, deadline: Infinity, random: () => 0.5, now: 0 });
    expect(jitter).toBe(Math.floor(0.5 * BACKOFF_BASE_MS * 2));
  });
});
