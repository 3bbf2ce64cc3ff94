import { parseRetryAfter } from './retry-after';

const NOW = Date.parse('2025-01-15T12:00:00Z');

describe('parseRetryAfter', () => {
  it('reads retry-after in seconds', () => {
    expect(parseRetryAfter({ 'retry-after': '2' }, NOW)).toBe(2000);
    expect(parseRetryAfter({ 'retry-after': ' 30 ' }, NOW)).toBe(30_000);
    expect(parseRetryAfter({ 'retry-after': '0' }, NOW)).toBe(0);
    expect(parseRetryAfter({ 'retry-after': '1.5' }, NOW)).toBe(1500);
  });

  it('prefers retry-after-ms (OpenAI) over retry-after', () => {
    expect(parseRetryAfter({ 'retry-after-ms': '1940', 'retry-after': '2' }, NOW)).toBe(1940);
    expect(parseRetryAfter({ 'retry-after-ms': '250.6' }, NOW)).toBe(251);
  });

  it('falls back to retry-after when retry-after-ms is unparsable', () => {
    expect(parseRetryAfter({ 'retry-after-ms': 'soon', 'retry-after': '3' }, NOW)).toBe(3000);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfter({ 'retry-after': 'Wed, 15 Jan 2025 12:00:05 GMT' }, NOW)).toBe(5000);
    // The obsolete RFC 850 and asctime forms are HTTP-dates too (RFC 9110 section 5.6.7).
    expect(parseRetryAfter({ 'retry-after': 'Wednesday, 15-Jan-25 12:01:00 GMT' }, NOW)).toBe(60_000);
    expect(parseRetryAfter({ 'retry-after': 'Wed Jan 15 12:00:10 2025' }, Date.parse('2025-01-15T12:00:00'))).toBe(10_000);
  });

  it('clamps a date in the past to zero', () => {
    expect(parseRetryAfter({ 'retry-after': 'Tue, 14 Jan 2025 12:00:00 GMT' }, NOW)).toBe(0);
  });

  it('takes the first value of a repeated header', () => {
    expect(parseRetryAfter({ 'retry-after': ['4', '9'] }, NOW)).toBe(4000);
    expect(parseRetryAfter({ 'retry-after-ms': ['100', '900'] }, NOW)).toBe(100);
  });

  it('is undefined when absent or empty', () => {
    expect(parseRetryAfter({}, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': '   ' }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': undefined }, NOW)).toBeUndefined();
    expect(parseRetryAfter({ 'retry-after': [] }, NOW)).toBeUndefined();
  });

  // Date.parse is lenient: it reads "abc 12" or "-1" as dates in 2001. Garbage is not a date.
  it.each(['soon', '2 seconds', 'abc 12', '-1', '1 2', 'later 2025', '1e3'])('is undefined for garbage %p', (value) => {
    expect(parseRetryAfter({ 'retry-after': value }, NOW)).toBeUndefined();
  });
});
