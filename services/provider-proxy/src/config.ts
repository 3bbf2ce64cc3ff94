import { commonEnv, env, loadConfig, z } from '@gatewayz/config';

export const providerProxyEnv = {
  ...commonEnv,
  PROVIDER_PROXY_HOST: env.host('127.0.0.1'),
  PROVIDER_PROXY_PORT: env.port(50052),
  PROVIDER_PROXY_METRICS_PORT: env.port(9102),
  UPSTREAM_CONNECT_TIMEOUT_MS: env.int(10_000, 100),
  /** Until the upstream's response headers (its first byte) arrive. */
  UPSTREAM_FIRST_BYTE_TIMEOUT_MS: env.int(120_000, 100),
  /** Longest silence inside a streaming response before it counts as stalled. */
  UPSTREAM_IDLE_TIMEOUT_MS: env.int(60_000, 100),
  /** Retries of the same provider after a 429, before failing over. */
  RATE_LIMIT_RETRIES: env.int(2, 0, 10),
  /** A Retry-After longer than this is not waited for: the next provider is tried at once. */
  RATE_LIMIT_MAX_WAIT_MS: env.int(10_000, 0, 600_000),
  /** Circuit breakers (per provider and per provider+model; docs/failover.md). */
  BREAKER_FAILURE_THRESHOLD: env.int(5, 1, 10_000),
  BREAKER_COOLDOWN_MS: env.int(60_000, 100, 86_400_000),
  BREAKER_HALF_OPEN_MAX_PROBES: env.int(1, 1, 1_000),
  BREAKER_SUCCESS_THRESHOLD: env.int(1, 1, 1_000),
  /** Backstop for missed transitions of other replicas: re-read the shared state. */
  BREAKER_SYNC_MS: env.int(5_000, 100),
  SIM_FIRST_TOKEN_MS: env.int(40, 0, 60_000),
  SIM_INTER_CHUNK_MS: env.int(8, 0, 10_000),
  /**
   * The edge's Fernet keys, to decrypt the keys of admin-registered providers
   * (provider_credentials). Without them such providers stay disabled.
   */
  API_KEY_ENCRYPTION_KEYS: z
    .string()
    .regex(/^[A-Za-z0-9_-]{43}=?(,[A-Za-z0-9_-]{43}=?)*$/, 'must be comma-separated Fernet keys (32 bytes, base64url)')
    .optional(),
  /** Reload of admin-registered provider credentials (besides catalog.updated on NATS). */
  PROVIDER_CREDENTIALS_REFRESH_MS: env.int(60_000, 1_000),
};

export type ProviderProxyConfig = ReturnType<typeof loadProviderProxyConfig>;

export function loadProviderProxyConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(providerProxyEnv, source);
}
