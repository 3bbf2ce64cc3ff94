import type { AuditSeverity } from '@gatewayz/db';

/**
 * Every event the audit log records, and its severity (which sets its retention, from
 * audit_retention_policies: critical 7 years, high 3, medium 1, low 90 days).
 */
export const AUDIT_EVENTS = {
  'user.registered': 'low',
  'auth.login': 'low',
  'auth.login_failed': 'low',
  'api_key.created': 'medium',
  'api_key.updated': 'medium',
  'api_key.deleted': 'medium',
  'api_key.rotated': 'high',
  'api_key.rate_limits_updated': 'low',
  'plan.changed': 'medium',
  'role.updated': 'critical',
  'admin.credits_granted': 'critical',
  'admin.credits_adjusted': 'critical',
  'admin.credits_refunded': 'critical',
  'admin.plan_assigned': 'high',
  'admin.partner_program_saved': 'high',
  'admin.coupon_created': 'high',
  'admin.ip_allowlist.created': 'high',
  'admin.ip_allowlist.updated': 'high',
  'admin.ip_allowlist.deleted': 'high',
  'security.unauthorized_admin_access': 'high',
  'security.admin_ip_not_allowed': 'high',
  'security.ip_not_allowed': 'medium',
  'security.domain_not_allowed': 'medium',
} as const satisfies Record<string, AuditSeverity>;

export type AuditEventType = keyof typeof AUDIT_EVENTS;

/** Values an audit row's `details` may hold (JSON, kept flat and small). */
export type AuditDetailValue = string | number | boolean | null | string[];

export interface AuditEntry {
  eventType: AuditEventType;
  actorUserId?: string | null;
  actorKeyId?: string | null;
  /** The account the event concerns: its owner sees it in GET /user/api-keys/audit-logs. */
  subjectUserId?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  ip?: string | null;
  requestId?: string | null;
  details?: Record<string, AuditDetailValue>;
}

/** Events a user sees about their own account and keys. */
export const USER_VISIBLE_EVENTS: readonly AuditEventType[] = [
  'user.registered',
  'auth.login',
  'auth.login_failed',
  'api_key.created',
  'api_key.updated',
  'api_key.deleted',
  'api_key.rotated',
  'api_key.rate_limits_updated',
  'plan.changed',
  'role.updated',
  'security.ip_not_allowed',
  'security.domain_not_allowed',
];
