import { LRUCache } from 'lru-cache';
import { errors, type GatewayError } from '@gatewayz/errors';
import { hashApiKey, isWellFormedApiKey } from '@gatewayz/crypto';
import { TieredCache, type Redis } from '@gatewayz/redis';
import { NO_OVERRIDES, type ApiKeyRepository, type KeyRecord } from './api-key.repository';

/**
 * Who is calling. An API key gives userId + keyId; a session token (/user/*, /admin/*) gives
 * userId and keyId ''; an anonymous call (a free model without a key, layer 3) gives
 * `anonymous: true` with userId and keyId ''.
 */
export interface AuthContext {
  keyId: string;
  userId: string;
  role: KeyRecord['role'];
  scopes: string[];
  anonymous: boolean;
}

/** Records cached before a field existed get its default. */
function decodeRecord(text: string): KeyRecord {
  const r = JSON.parse(text) as Partial<KeyRecord> & Omit<KeyRecord, 'plan' | 'limits'>;
  return { ...r, plan: r.plan ?? 'free', limits: r.limits ?? NO_OVERRIDES };
}

/** The bearer token of an Authorization header, or of x-api-key (Anthropic clients). */
export function presentedKey(headers: { authorization?: string; 'x-api-key'?: string | string[] }): string | undefined {
  const auth = headers.authorization;
  if (typeof auth === 'string' && auth.length > 0) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    return m ? m[1] : '';
  }
  const x = headers['x-api-key'];
  return typeof x === 'string' && x.length > 0 ? x.trim() : undefined;
}

/**
 * API-key authentication. Lookup by HMAC-SHA256 only, through the cache contract: in-process
 * LRU → Redis → Postgres. Unknown hashes are remembered briefly (in-process) so a flood of bad
 * keys does not become a flood of queries. Messages never echo the key.
 */
export class ApiKeyAuthenticator {
  private readonly cache: TieredCache<KeyRecord>;
  private readonly unknown = new LRUCache<string, true>({ max: 10_000, ttl: 30_000 });

  constructor(
    private readonly repository: ApiKeyRepository,
    private readonly hmacSecret: string,
    options: { redis?: Redis; namespace: string; ttlMs: number; entries: number },
  ) {
    this.cache = new TieredCache<KeyRecord>({
      prefix: `${options.namespace}:auth:key:`,
      maxEntries: options.entries,
      localTtlMs: options.ttlMs,
      redisTtlMs: options.ttlMs,
      redis: options.redis,
      encode: JSON.stringify,
      decode: decodeRecord,
    });
  }

  async authenticate(key: string | undefined): Promise<AuthContext> {
    return (await this.authenticateRecord(key)).auth;
  }

  /** Authenticates and returns the key's record too (restrictions, plan, limits). */
  async authenticateRecord(key: string | undefined): Promise<{ auth: AuthContext; record: KeyRecord; hash: string }> {
    if (key === undefined) {
      throw errors.unauthorized('Missing API key. Send it as "Authorization: Bearer gw_live_...".', 'missing_api_key');
    }
    if (!isWellFormedApiKey(key)) {
      throw errors.unauthorized('Invalid API key format. Gatewayz keys look like gw_live_ followed by 43 characters.', 'invalid_api_key');
    }
    const hash = hashApiKey(key, this.hmacSecret);
    if (this.unknown.has(hash)) throw invalidKey();
    const record = await this.cache.get(hash, () => this.repository.findByHash(hash));
    if (!record) {
      this.unknown.set(hash, true);
      throw invalidKey();
    }
    const problem = rejection(record, Date.now());
    if (problem) throw problem;
    return { auth: { keyId: record.keyId, userId: record.userId, role: record.role, scopes: record.scopes, anonymous: false }, record, hash };
  }

  /**
   * True when `key` is a valid key already in this process's cache: no I/O (layer 1 exempts
   * such requests before authentication runs).
   */
  isCachedValid(key: string | undefined): boolean {
    if (key === undefined || !isWellFormedApiKey(key)) return false;
    const record = this.cache.peekLocal(hashApiKey(key, this.hmacSecret));
    return record !== undefined && rejection(record, Date.now()) === undefined;
  }

  /** Forget a key everywhere (after revoke/rotate/delete by hash): this process and Redis. */
  async invalidate(hash: string): Promise<void> {
    await this.cache.delete(hash);
  }

  /** Forget keys in this process only (another replica changed them; keys.revoked). */
  evictLocal(hashes: readonly string[]): void {
    for (const h of hashes) {
      this.cache.evictLocal(h);
      this.unknown.delete(h);
    }
  }
}

function invalidKey(): GatewayError {
  return errors.unauthorized('Invalid API key. Check the key, or create a new one.', 'invalid_api_key');
}

export function rejection(record: KeyRecord, now: number): GatewayError | undefined {
  if (!record.active) return errors.unauthorized('This API key is disabled.', 'api_key_disabled');
  if (record.expiresAt !== null && record.expiresAt <= now) {
    return errors.unauthorized(`This API key expired at ${new Date(record.expiresAt).toISOString()}.`, 'api_key_expired');
  }
  if (!record.userActive) return errors.unauthorized('The account that owns this API key is disabled.', 'account_disabled');
  return undefined;
}
