import { API_KEY_PATTERN, digestsEqual, generateApiKey, hashApiKey, isWellFormedApiKey, last4 } from './api-keys';

describe('api keys', () => {
  it('have the gw_{env}_{43 url-safe chars} format', () => {
    const live = generateApiKey('live');
    const test = generateApiKey('test');
    expect(live).toMatch(/^gw_live_[A-Za-z0-9_-]{43}$/);
    expect(test).toMatch(/^gw_test_[A-Za-z0-9_-]{43}$/);
    expect(isWellFormedApiKey(live)).toBe(true);
    expect(isWellFormedApiKey('gw_live_short')).toBe(false);
    expect(API_KEY_PATTERN.test(`${live}x`)).toBe(false);
    expect(generateApiKey('live')).not.toBe(live);
  });

  it('hash with the server secret, deterministically, and compare in constant time', () => {
    const key = generateApiKey('live');
    const h1 = hashApiKey(key, 'secret-one-secret-one-secret-one');
    expect(h1).toMatch(/^[0-9a-f]{64}$/);
    expect(hashApiKey(key, 'secret-one-secret-one-secret-one')).toBe(h1);
    expect(hashApiKey(key, 'secret-two-secret-two-secret-two')).not.toBe(h1);
    expect(digestsEqual(h1, h1)).toBe(true);
    expect(digestsEqual(h1, hashApiKey(generateApiKey('live'), 'secret-one-secret-one-secret-one'))).toBe(false);
    expect(digestsEqual(h1, '')).toBe(false);
    expect(last4(key)).toBe(key.slice(-4));
  });
});
