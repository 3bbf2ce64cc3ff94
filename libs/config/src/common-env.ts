import { env } from './load-config';

/** Variables every service reads. */
export const commonEnv = {
  NODE_ENV: env.host('development'),
  LOG_LEVEL: env.logLevel(),
  DATABASE_URL: env.url('postgresql://postgres@127.0.0.1:5432/gatewayz'),
  REDIS_URL: env.url('redis://127.0.0.1:6379'),
  /** A Redis command not answered in this time fails, and the caller falls back to its in-process path. */
  REDIS_COMMAND_TIMEOUT_MS: env.int(250, 10),
  NATS_URL: env.url('nats://127.0.0.1:4222'),
  /** Prefix for NATS streams/subjects and Redis keys, so several stacks can share the brokers. */
  GATEWAYZ_NAMESPACE: env.host('gatewayz'),
};

/** Addresses of the gRPC services. */
export const peerEnv = {
  ROUTING_ADDR: env.address('127.0.0.1:50051'),
  PROVIDER_PROXY_ADDR: env.address('127.0.0.1:50052'),
};
