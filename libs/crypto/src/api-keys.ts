import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Gateway API keys: gw_{live|test}_{43 url-safe chars} (32 random bytes, base64url). Stored as
 * HMAC-SHA256 under a server secret — the only lookup path — never recoverable from the hash.
 */
export type KeyEnvironment = 'live' | 'test';

export const API_KEY_PATTERN = /^gw_(live|test)_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(environment: KeyEnvironment): string {
  return `gw_${environment}_${randomBytes(32).toString('base64url')}`;
}

export function isWellFormedApiKey(candidate: string): boolean {
  return API_KEY_PATTERN.test(candidate);
}

export function hashApiKey(key: string, secret: string): string {
  return createHmac('sha256', secret).update(key, 'utf8').digest('hex');
}

/** Constant-time comparison of two hex digests. */
export function digestsEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, 'hex');
  const bb = Buffer.from(b, 'hex');
  return ba.length === bb.length && ba.length > 0 && timingSafeEqual(ba, bb);
}

export function last4(key: string): string {
  return key.slice(-4);
}
