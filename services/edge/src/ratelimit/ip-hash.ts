import { createHmac, hkdfSync } from 'node:crypto';

/**
 * Client addresses are never stored or used as Redis keys in the clear: an HMAC under a key
 * derived from the server secret (layers 1 and 3 are keyed by IP hash).
 */
export function ipHasher(serverSecret: string): (ip: string | undefined) => string {
  const key = Buffer.from(hkdfSync('sha256', serverSecret, 'gatewayz', 'ip-hash-v1', 32));
  return (ip) => createHmac('sha256', key).update(ip ?? 'unknown').digest('base64url').slice(0, 22);
}
