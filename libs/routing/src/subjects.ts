/** Core NATS subjects of the routing layer (namespaced by the bus). */
export const SUBJECTS = {
  /** provider-proxy → routing, health-monitor: `{ observations: HealthObservation[] }`, one batch a second. */
  healthObservation: 'health.observation',
  /** routing → edge, routing replicas: a Resolve answer may have changed (splits, health verdicts). */
  routingChanged: 'routing.changed',
} as const;

export interface RoutingChanged {
  reason: 'splits' | 'health';
  at: number;
}
