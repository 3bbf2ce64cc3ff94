import { Counter, Histogram, type Registry } from '@gatewayz/metrics';

/** Billing's own metrics (gRPC call counts and durations come from libs/rpc). */
export function billingMetrics(registry: Registry) {
  return {
    settled: new Counter({
      name: 'gatewayz_billing_settled_total',
      help: 'usage.recorded events processed by settlement, by result',
      labelNames: ['result'] as const,
      registers: [registry],
    }),
    batchSize: new Histogram({
      name: 'gatewayz_billing_settlement_batch_size',
      help: 'Usage events settled per database transaction',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000],
      registers: [registry],
    }),
    lag: new Histogram({
      name: 'gatewayz_billing_settlement_lag_seconds',
      help: 'From the end of a request (occurred_at) to its settlement commit',
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
      registers: [registry],
    }),
  };
}
