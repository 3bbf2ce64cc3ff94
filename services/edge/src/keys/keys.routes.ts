import { Router, type Request, type RequestHandler } from 'express';
import type { AuditLog } from '../audit/audit-log';
import { USER_VISIBLE_EVENTS } from '../audit/audit-events';
import type { AuthContext } from '../auth/api-key-auth';
import { requirePermission } from '../auth/principal.middleware';
import { origin, parse, uuidParam } from '../http/validate';
import type { KeysService } from './keys.service';
import { auditQuerySchema, createKeySchema, keyLimitsSchema, updateKeySchema } from './keys.schemas';

const ONCE = 'This is the only time the key is shown: store it now. It cannot be retrieved later.';

export const caller = (req: Request): AuthContext => req.auth!;

/** Audit rows as a user sees them. */
export function auditView(r: { id: string; eventType: string; occurredAt: Date; severity: string; targetId: string | null; ip: string | null; details: unknown; actorKeyId: string | null }) {
  return { id: r.id, event_type: r.eventType, occurred_at: r.occurredAt.toISOString(), severity: r.severity, key_id: r.targetId, actor_key_id: r.actorKeyId, ip: r.ip, details: r.details };
}

/** /user/api-keys: the caller's own keys (signed in by key or session; body parser given). */
export function keysRouter(deps: { keys: KeysService; audit: AuditLog; body: RequestHandler; principal: RequestHandler }): Router {
  const r = Router();
  const read = [deps.principal, requirePermission('keys:read')];
  const write = [deps.principal, requirePermission('keys:write')];

  r.get('/user/api-keys', ...read, async (req, res) => {
    res.json({ data: await deps.keys.list(caller(req).userId) });
  });

  r.post('/user/api-keys', ...write, deps.body, async (req, res) => {
    const input = parse(createKeySchema, req.body);
    const { view, key } = await deps.keys.create(caller(req), input, origin(req));
    res.status(201).json({ ...view, key, warning: ONCE });
  });

  r.get('/user/api-keys/audit-logs', ...read, async (req, res) => {
    const q = parse(auditQuerySchema, req.query);
    const rows = await deps.audit.list({
      subjectUserId: caller(req).userId,
      eventTypes: USER_VISIBLE_EVENTS,
      ...(q.key_id ? { targetId: q.key_id } : {}),
      ...(q.before ? { beforeId: BigInt(q.before) } : {}),
      limit: q.limit,
    });
    res.json({ data: rows.map(auditView), next_cursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null });
  });

  r.get('/user/api-keys/:key_id', ...read, async (req, res) => {
    res.json(await deps.keys.get(caller(req).userId, uuidParam(req, 'key_id')));
  });

  r.put('/user/api-keys/:key_id', ...write, deps.body, async (req, res) => {
    const keyId = uuidParam(req, 'key_id');
    res.json(await deps.keys.update(caller(req), keyId, parse(updateKeySchema, req.body), origin(req)));
  });

  r.post('/user/api-keys/:key_id/rotate', ...write, async (req, res) => {
    const { view, key } = await deps.keys.rotate(caller(req), uuidParam(req, 'key_id'), origin(req));
    res.json({ ...view, key, warning: ONCE });
  });

  r.delete('/user/api-keys/:key_id', ...write, async (req, res) => {
    const keyId = uuidParam(req, 'key_id');
    await deps.keys.delete(caller(req), keyId, origin(req));
    res.json({ id: keyId, deleted: true });
  });

  r.put('/user/rate-limits/:key_id', ...write, deps.body, async (req, res) => {
    const keyId = uuidParam(req, 'key_id');
    res.json(await deps.keys.setLimits(caller(req), keyId, parse(keyLimitsSchema, req.body), origin(req)));
  });

  return r;
}
