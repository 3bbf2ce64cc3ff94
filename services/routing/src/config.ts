import { commonEnv, env, loadConfig } from '@gatewayz/config';

export const routingEnv = {
  ...commonEnv,
  ROUTING_HOST: env.host('127.0.0.1'),
  ROUTING_PORT: env.port(50051),
  ROUTING_METRICS_PORT: env.port(9101),
  /** Backstop for missed catalog.updated events. */
  CATALOG_REFRESH_MS: env.int(60_000, 1_000),
};

export type RoutingConfig = ReturnType<typeof loadRoutingConfig>;

export function loadRoutingConfig(source: NodeJS.ProcessEnv = process.env) {
  return loadConfig(routingEnv, source);
}
