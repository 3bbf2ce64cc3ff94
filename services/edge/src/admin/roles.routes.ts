import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import { Role, type PrismaClient } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import type { AuditLog } from '../audit/audit-log';
import type { ApiKeyRepository } from '../auth/api-key.repository';
import { freeText, origin, parse } from '../http/validate';
import type { KeyRevocation } from '../keys/key-revocation';
import { PERMISSIONS, ROLES, ROLE_PERMISSIONS, isRole } from '../rbac/permissions';

const updateSchema = z
  .object({
    user_id: z.uuid(),
    new_role: z.enum(Role),
    reason: freeText(500).refine((s) => s.trim().length >= 3, 'must say why (at least 3 characters)'),
  })
  .strict();

const logQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(200).default(50),
    before: z.string().regex(/^\d{1,19}$/, 'must be a cursor from next_cursor').optional(),
  })
  .strict();

const describe = (role: Role) => ({ role, permissions: ROLE_PERMISSIONS[role].map((p) => ({ permission: p, description: PERMISSIONS[p] })) });

/** Roles and their permissions; role changes (with a reason, audit-logged) and their log. */
export function adminRolesRouter(deps: { prisma: PrismaClient; audit: AuditLog; repository: ApiKeyRepository; revocation: KeyRevocation; body: RequestHandler }): Router {
  const r = Router();

  r.get('/admin/roles', (_req, res) => {
    res.json({ data: ROLES.map(describe) });
  });

  r.get('/admin/roles/permissions/:role', (req, res) => {
    const role = String(req.params.role);
    if (!isRole(role)) throw errors.notFound(`No role '${role.slice(0, 50)}'. Roles: ${ROLES.join(', ')}.`, 'role_not_found');
    res.json(describe(role));
  });

  r.post('/admin/roles/update', deps.body, async (req, res) => {
    const input = parse(updateSchema, req.body);
    const admin = req.auth!;
    if (input.user_id === admin.userId) {
      throw new GatewayError({ code: 'cannot_change_own_role', status: 409, param: 'user_id', message: 'You cannot change your own role; ask another admin.' });
    }
    const result = await deps.prisma.$transaction(async (tx) => {
      const user = await tx.user.findUnique({ where: { id: input.user_id }, select: { role: true } });
      if (!user) throw errors.notFound(`No user with id '${input.user_id}'.`, 'user_not_found');
      if (user.role === input.new_role) return { previous: user.role, changed: false };
      await tx.user.update({ where: { id: input.user_id }, data: { role: input.new_role } });
      const o = origin(req);
      await deps.audit.record(
        {
          eventType: 'role.updated',
          actorUserId: admin.userId,
          actorKeyId: admin.keyId || null,
          subjectUserId: input.user_id,
          targetType: 'user',
          targetId: input.user_id,
          ip: o.ip,
          requestId: o.requestId,
          details: { previous_role: user.role, new_role: input.new_role, reason: input.reason },
        },
        tx,
      );
      return { previous: user.role, changed: true };
    });
    // The role rides in cached key records: drop them everywhere so it applies now.
    if (result.changed) await deps.revocation.revoke(await deps.repository.hashesOfUser(input.user_id), 'role_changed');
    res.json({ user_id: input.user_id, previous_role: result.previous, new_role: input.new_role, reason: input.reason, changed: result.changed });
  });

  r.get('/admin/roles/audit/log', async (req, res) => {
    const q = parse(logQuery, req.query);
    const rows = await deps.audit.list({ eventTypes: ['role.updated'], limit: q.limit, ...(q.before ? { beforeId: BigInt(q.before) } : {}) });
    res.json({
      data: rows.map((row) => {
        const d = row.details as { previous_role?: string; new_role?: string; reason?: string };
        return {
          id: row.id,
          user_id: row.subjectUserId,
          changed_by: row.actorUserId,
          previous_role: d.previous_role ?? null,
          new_role: d.new_role ?? null,
          reason: d.reason ?? null,
          changed_at: row.occurredAt.toISOString(),
        };
      }),
      next_cursor: rows.length === q.limit ? rows[rows.length - 1]!.id : null,
    });
  });

  return r;
}
