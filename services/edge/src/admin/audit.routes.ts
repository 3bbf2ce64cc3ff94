import { Router } from 'express';
import { z } from 'zod';
import { AuditSeverity } from '@gatewayz/db';
import type { VelocityMonitor } from '@gatewayz/ratelimit';
import type { AuditLog } from '../audit/audit-log';
import { AUDIT_EVENTS, type AuditEventType } from '../audit/audit-events';
import { parse } from '../http/validate';

const logsQuery = z
  .object({
    event_type: z.enum(Object.keys(AUDIT_EVENTS) as [AuditEventType, ...AuditEventType[]]).optional(),
    severity: z.enum(AuditSeverity).optional(),
    user_id: z.uuid().optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().regex(/^\d{1,19}$/, 'must be a cursor from next_cursor').optional(),
  })
  .strict();

/** The audit log for admins (read, verify the hash chains) and layer 1's velocity mode. */
export function adminAuditRouter(deps: { audit: AuditLog; velocity: VelocityMonitor }): Router {
  const r = Router();

  r.get('/admin/audit/logs', async (req, res) => {
    const q = parse(logsQuery, req.query);
    const rows = await deps.audit.list({
      ...(q.event_type ? { eventTypes: [q.event_type] } : {}),
      ...(q.severity ? { severity: q.severity } : {}),
      ...(q.user_id ? { subjectUserId: q.user_id } : {}),
      ...(q.before ? { beforeId: BigInt(q.before) } : {}),
      limit: q.limit,
    });
    res.json({
      data: rows.map((row) => ({
        id: row.id,
        event_type: row.eventType,
        severity: row.severity,
        occurred_at: row.occurredAt.toISOString(),
        actor_user_id: row.actorUserId,
        actor_key_id: row.actorKeyId,
        user_id: row.subjectUserId,
        target_type: row.targetType,
        target_id: row.targetId,
        ip: row.ip,
        request_id: row.requestId,
        details: row.details,
      })),
      next_cursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
    });
  });

  r.get('/admin/audit/verify', async (_req, res) => {
    res.json(await deps.audit.verify());
  });

  r.get('/admin/velocity-mode-status', (_req, res) => {
    const s = deps.velocity.state();
    res.json({
      active: s.active,
      mode: s.active ? 'velocity' : 'normal',
      error_rate: Number(s.errorRate.toFixed(4)),
      requests_in_window: s.requests,
      errors_in_window: s.errors,
      threshold: s.thresholdRate,
      window_seconds: s.windowMs / 1000,
      cooldown_seconds: s.cooldownMs / 1000,
      limit_factor: s.factor,
      active_since: s.activeSinceMs === null ? null : new Date(s.activeSinceMs).toISOString(),
      lifts_at: s.liftsAtMs === null ? null : new Date(s.liftsAtMs).toISOString(),
    });
  });

  return r;
}
