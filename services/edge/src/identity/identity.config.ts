import { env, z } from '@gatewayz/config';

/** Which proxies' X-Forwarded-For to believe (express "trust proxy"): false, true, a hop count, or addresses/CIDRs/loopback. */
const trustProxy = z
  .string()
  .default('false')
  .refine((v) => /^(true|false|\d{1,2}|[A-Za-z0-9.:/, _-]+)$/.test(v), 'must be true, false, a hop count, or a comma-separated list of addresses')
  .transform((v): boolean | number | string => (v === 'true' ? true : v === 'false' ? false : /^\d+$/.test(v) ? Number(v) : v));

/** Model ids callable without a key (layer 3), comma-separated. */
const modelList = z
  .string()
  .default('')
  .refine((v) => v === '' || /^[A-Za-z0-9._:/-]+(,[A-Za-z0-9._:/-]+)*$/.test(v), 'must be a comma-separated list of model ids')
  .transform((v) => (v === '' ? [] : v.split(',')));

/** Identity, keys and rate limiting (README, "Configuration"). */
export const identityEnv = {
  TRUST_PROXY: trustProxy,
  /** Session tokens (POST /auth/login): HS256 secret; derived from API_KEY_HMAC_SECRET when unset. */
  SESSION_SECRET: env.secret(32).optional(),
  SESSION_TTL_SECONDS: env.int(900, 60, 86_400),
  /** Layer 1: requests per minute per IP without a (cached, valid) key. */
  RATE_LIMIT_IP_RPM: env.int(300, 1),
  /** Velocity mode: halves layer-1 limits while the error rate exceeds VELOCITY_ERROR_PERCENT. */
  VELOCITY_ERROR_PERCENT: env.int(25, 1, 99),
  VELOCITY_WINDOW_MS: env.int(180_000, 1_000),
  VELOCITY_COOLDOWN_MS: env.int(180_000, 1_000),
  VELOCITY_MIN_REQUESTS: env.int(20, 1),
  /** Layer 3: models callable without a key, and their limits per IP. */
  ANONYMOUS_MODELS: modelList,
  ANONYMOUS_RPM: env.int(5, 1),
  ANONYMOUS_REQUESTS_PER_DAY: env.int(100, 1),
  /** Brute-force limits per IP. */
  AUTH_LOGIN_LIMIT: env.int(10, 1),
  AUTH_LOGIN_WINDOW_MS: env.int(900_000, 1_000),
  AUTH_REGISTER_LIMIT: env.int(3, 1),
  AUTH_REGISTER_WINDOW_MS: env.int(3_600_000, 1_000),
  /** API keys a user may create per window. */
  KEY_CREATE_LIMIT: env.int(10, 1),
  KEY_CREATE_WINDOW_MS: env.int(3_600_000, 1_000),
  /** Body limit of the account and admin endpoints (inference has MAX_BODY_BYTES). */
  MANAGEMENT_MAX_BODY_BYTES: env.int(65_536, 1_024),
  /** Largest request head (431 beyond it). */
  MAX_HEADER_BYTES: env.int(16_384, 1_024, 1_048_576),
  /** How often the edge applies audit-log retention. */
  AUDIT_PRUNE_INTERVAL_MS: env.int(3_600_000, 10_000),
};
