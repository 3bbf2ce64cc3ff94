import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export { Counter, Gauge, Histogram, Registry };

/** A registry per process, with Node's default metrics and a `service` label on everything. */
export function createRegistry(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** Public HTTP API (edge). */
export function httpMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'gatewayz_http_requests_total',
      help: 'HTTP requests answered, by route and status',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'gatewayz_http_request_duration_seconds',
      help: 'Time to the last byte of the HTTP response',
      labelNames: ['method', 'route'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'gatewayz_http_requests_in_flight',
      help: 'HTTP requests being served',
      registers: [registry],
    }),
  };
}

/** Inference outcomes (edge): what users asked for and what it cost. */
export function inferenceMetrics(registry: Registry) {
  return {
    requests: new Counter({
      name: 'gatewayz_inference_requests_total',
      help: 'Inference requests, by model, provider and outcome',
      labelNames: ['model', 'provider', 'outcome', 'stream'] as const,
      registers: [registry],
    }),
    tokens: new Counter({
      name: 'gatewayz_tokens_total',
      help: 'Tokens processed, by model, provider and bucket',
      labelNames: ['model', 'provider', 'bucket'] as const,
      registers: [registry],
    }),
    ttft: new Histogram({
      name: 'gatewayz_time_to_first_token_seconds',
      help: 'Time from request to the first streamed chunk',
      labelNames: ['model', 'provider'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    costMicros: new Counter({
      name: 'gatewayz_cost_microdollars_total',
      help: 'Cost of served requests in micro-dollars, by model and provider',
      labelNames: ['model', 'provider'] as const,
      registers: [registry],
    }),
  };
}

/** gRPC calls, server and client side (libs/rpc). */
export function rpcMetrics(registry: Registry) {
  return {
    serverHandled: new Counter({
      name: 'gatewayz_rpc_server_handled_total',
      help: 'gRPC calls handled, by method and status code',
      labelNames: ['method', 'code'] as const,
      registers: [registry],
    }),
    serverDuration: new Histogram({
      name: 'gatewayz_rpc_server_duration_seconds',
      help: 'gRPC handling time',
      labelNames: ['method'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
  };
}

/** Upstream provider calls (provider-proxy). */
export function upstreamMetrics(registry: Registry) {
  return {
    attempts: new Counter({
      name: 'gatewayz_upstream_attempts_total',
      help: 'Attempts against upstream providers, by provider and result',
      labelNames: ['provider', 'result', 'status'] as const,
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'gatewayz_upstream_first_byte_seconds',
      help: 'Time from sending the upstream request to its first byte',
      labelNames: ['provider'] as const,
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    failovers: new Counter({
      name: 'gatewayz_failovers_total',
      help: 'Times a request moved on to the next provider in its chain',
      labelNames: ['from_provider', 'reason'] as const,
      registers: [registry],
    }),
    unrecognizedChunks: new Counter({
      name: 'gatewayz_stream_unrecognized_chunks_total',
      help: 'Stream events a translator did not recognize (passed through when valid JSON, else dropped with a warning)',
      labelNames: ['provider'] as const,
      registers: [registry],
    }),
  };
}
