import type { Logger } from '@gatewayz/logger';

/**
 * The seam to the audit log for privileged billing operations (admin credit operations, plan
 * assignment, coupons, partner programs). The ledger itself records actor and reason on every
 * row; this adds the operation to the mesh's audit trail. The default writes a structured log
 * line; the hash-chained audit log (identity) plugs in here.
 */
export interface BillingAuditEvent {
  action: string;
  actorId: string;
  targetUserId?: string;
  requestId: string;
  details: Record<string, unknown>;
}

export interface AuditRecorder {
  record(event: BillingAuditEvent): Promise<void> | void;
}

export function logAuditRecorder(logger: Logger): AuditRecorder {
  return { record: (event) => void logger.info('audit', { audit: true, ...event }) };
}
