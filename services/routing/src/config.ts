import { commonEnv, env, loadConfig } from '@gatewayz/config';

export const routingEnv = {
  ...commonEnv,
  ROUTING_HOST: env.host('127.0.0.1'),
  ROUTING_PORT: env.port(50051),
  ROUTING_METRICS_PORT: env.port(9101),
  /** Backstop for missed catalog.updated events. */
  CATALOG_REFRESH_MS: env.int(60_000, 1_000),
  /** Passive health: how far back observations count, and how many are needed to judge. */
  ROUTING_HEALTH_WINDOW_MS: env.int(300_000, 1_000),
  ROUTING_HEALTH_MIN_SAMPLES: env.int(5, 1, 1_000),
  /** A provider scoring below this (0-100) loses first place to a healthier one. */
  ROUTING_PROMOTION_THRESHOLD: env.int(70, 0, 100),
  /** Backstop for missed breaker transitions: re-read breaker state from Redis. */
  ROUTING_BREAKER_SYNC_MS: env.int(5_000, 100),
};

export type RoutingConfig = ReturnType<typeof loadRoutingConfig>;

export function loadRoutingConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(routingEnv, source);
}
