import { openAiDuration, rateLimited, successHeaders } from './rate-limit-headers';
import { effectiveLimits } from './plan-limits';

describe('rate-limit headers', () => {
  it('writes durations as OpenAI does', () => {
    expect(openAiDuration(0)).toBe('0ms');
    expect(openAiDuration(850)).toBe('850ms');
    expect(openAiDuration(1_000)).toBe('1s');
    expect(openAiDuration(1_500)).toBe('1.5s');
    expect(openAiDuration(360_000)).toBe('6m0s');
    expect(openAiDuration(3_723_000)).toBe('1h2m3s');
  });

  it('puts Retry-After, retry-after-ms and X-RateLimit-* on a 429', () => {
    const err = rateLimited({
      code: 'rate_limit_exceeded',
      message: 'Rate limit reached.',
      limitedBy: { limit: 20, remaining: 0, resetAtMs: 1_700_000_012_345, retryAfterMs: 12_345 },
      headers: { 'X-RateLimit-Mode': 'normal' },
    });
    expect(err.status).toBe(429);
    expect(err.message).toBe('Rate limit reached. Retry after 13 s.');
    expect(err.headers).toEqual({
      'Retry-After': '13',
      'retry-after-ms': '12345',
      'X-RateLimit-Limit': '20',
      'X-RateLimit-Remaining': '0',
      'X-RateLimit-Reset': '1700000013',
      'X-RateLimit-Mode': 'normal',
    });
  });

  it('describes requests and tokens on success', () => {
    const now = 1_000_000;
    expect(
      successHeaders(
        {
          requests: { name: 'rpm', limit: 20, used: 3, remaining: 17, resetAtMs: now + 42_000 },
          tokens: { name: 'tpm', limit: 40_000, used: 1_000, remaining: 39_000, resetAtMs: now + 42_000 },
        },
        now,
      ),
    ).toEqual({
      'x-ratelimit-limit-requests': '20',
      'x-ratelimit-remaining-requests': '17',
      'x-ratelimit-reset-requests': '42s',
      'x-ratelimit-limit-tokens': '40000',
      'x-ratelimit-remaining-tokens': '39000',
      'x-ratelimit-reset-tokens': '42s',
    });
  });
});

describe('effective limits', () => {
  it('lowers plan limits by per-key choices, never raises them', () => {
    const plan = { rpm: 20, tpm: 40_000, tokensPerDay: 200_000, tokensPerMonth: 2_000_000 };
    expect(effectiveLimits(plan, { rpm: 5, tpm: null, tokensPerDay: 999_999_999, tokensPerMonth: null })).toEqual({
      rpm: 5,
      tpm: 40_000,
      tokensPerDay: 200_000,
      tokensPerMonth: 2_000_000,
    });
  });
});
