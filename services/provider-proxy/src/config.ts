import { commonEnv, env, loadConfig } from '@gatewayz/config';

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
  SIM_FIRST_TOKEN_MS: env.int(40, 0, 60_000),
  SIM_INTER_CHUNK_MS: env.int(8, 0, 10_000),
};

export type ProviderProxyConfig = ReturnType<typeof loadProviderProxyConfig>;

export function loadProviderProxyConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(providerProxyEnv, source);
}
