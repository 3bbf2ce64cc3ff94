import { HealthBook, type HealthObservation } from './health-book';

const obs = (o: Partial<HealthObservation>): HealthObservation => ({ provider: 'groq', model: 'm/x', status: 200, duration_ms: 1_000, ttft_ms: 100, output_tokens: 90, at: 0, ...o });

describe('HealthBook (passive per provider+model stats)', () => {
  it('knows nothing below minSamples', () => {
    const book = new HealthBook({ windowMs: 60_000, maxSamples: 100, minSamples: 3 });
    book.record(obs({}));
    book.record(obs({}));
    expect(book.stats('groq', 'm/x', 0)).toBeUndefined();
  });

  it('computes p50 TTFT, throughput after the first token, error rate and a 0-100 score', () => {
    const book = new HealthBook({ windowMs: 60_000, maxSamples: 100, minSamples: 3 });
    book.record(obs({ ttft_ms: 100, duration_ms: 1_100, output_tokens: 100 })); // 100 tok/s
    book.record(obs({ ttft_ms: 300, duration_ms: 800, output_tokens: 100 })); // 200 tok/s
    book.record(obs({ ttft_ms: 200, duration_ms: 1_200, output_tokens: 50 })); // 50 tok/s
    book.record(obs({ status: 503, ttft_ms: null, output_tokens: null }));
    expect(book.stats('groq', 'M/X', 0)).toEqual({ samples: 4, errorRate: 0.25, score: 75, p50TtftMs: 200, throughputTps: 100 });
  });

  it('ignores the client\'s own errors and cancellations; counts 429s, timeouts and stream failures', () => {
    const book = new HealthBook({ windowMs: 60_000, maxSamples: 100, minSamples: 1 });
    book.record(obs({ status: 400 }));
    book.record(obs({ status: 0, error_code: 'cancelled' }));
    expect(book.stats('groq', 'm/x', 0)).toBeUndefined();
    book.record(obs({ status: 429 }));
    book.record(obs({ status: 0, error_code: 'upstream_timeout' }));
    book.record(obs({ status: 200, error_code: 'upstream_stream_cut' }));
    expect(book.stats('groq', 'm/x', 0)?.errorRate).toBe(1);
  });

  it('forgets observations older than the window and keeps at most maxSamples', () => {
    const book = new HealthBook({ windowMs: 1_000, maxSamples: 3, minSamples: 1 });
    for (let i = 0; i < 5; i++) book.record(obs({ status: i < 2 ? 500 : 200, at: 0 }));
    expect(book.stats('groq', 'm/x', 0)).toMatchObject({ samples: 3, errorRate: 0 });
    expect(book.stats('groq', 'm/x', 5_000)).toBeUndefined();
  });

  it('prunes keys whose samples all left the window', () => {
    const book = new HealthBook({ windowMs: 1_000, maxSamples: 10, minSamples: 1 });
    book.record(obs({ at: 0 }));
    book.record(obs({ provider: 'together', at: 900 }));
    expect(book.prune(1_500)).toEqual(['groq|m/x']);
    expect(book.size).toBe(1);
  });
});
