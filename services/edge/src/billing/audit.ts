import type { Logger } from '@gatewayz/logger';
import type { AuditDetailValue, AuditEventType } from '../audit/audit-events';
import type { AuditLog } from '../audit/audit-log';

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

/** Billing's privileged actions as events of the hash-chained audit log (audit/audit-events.ts). */
const AUDIT_EVENT_OF: Record<string, AuditEventType> = {
  'credits.add': 'admin.credits_granted',
  'credits.adjust': 'admin.credits_adjusted',
  'credits.refund': 'admin.credits_refunded',
  'billing.assign_plan': 'admin.plan_assigned',
  'billing.partner_program.upsert': 'admin.partner_program_saved',
  'billing.coupon.create': 'admin.coupon_created',
};

function flat(value: unknown): AuditDetailValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value);
}

/** Records billing's privileged operations in identity's append-only, hash-chained audit log. */
export function chainedAuditRecorder(audit: Pick<AuditLog, 'record'>): AuditRecorder {
  return {
    record: async (event) => {
      const eventType = AUDIT_EVENT_OF[event.action];
      if (!eventType) throw new Error(`no audit event type for billing action ${event.action}`);
      await audit.record({
        eventType,
        actorUserId: event.actorId,
        subjectUserId: event.targetUserId ?? null,
        targetType: event.targetUserId ? 'user' : 'billing',
        targetId: event.targetUserId ?? null,
        requestId: event.requestId,
        details: Object.fromEntries(Object.entries(event.details).map(([k, v]) => [k, flat(v)])),
      });
    },
  };
}
