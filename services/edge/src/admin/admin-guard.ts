import type { NextFunction, Request, Response } from 'express';
import { LRUCache } from 'lru-cache';
import type { PrismaClient } from '@gatewayz/db';
import { errors, isGatewayError } from '@gatewayz/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AuditEventType } from '../audit/audit-events';
import { identify, resolvePrincipal, type PrincipalDeps } from '../auth/principal.middleware';
import { clientIp } from '../http/validate';
import { ipAllowed } from '../keys/key-restrictions';

/** The admin API's own IP allowlist (table admin_ip_allowlist); empty: no restriction. */
export class AdminIpAllowlist {
  constructor(private readonly prisma: PrismaClient) {}

  async activeCidrs(): Promise<string[]> {
    const rows = await this.prisma.adminIpAllowlistEntry.findMany({ where: { isActive: true }, select: { cidr: true } });
    return rows.map((r) => r.cidr);
  }

  async allows(ip: string | undefined): Promise<boolean> {
    const cidrs = await this.activeCidrs();
    return cidrs.length === 0 || ipAllowed(cidrs, ip);
  }
}

/**
 * Mounted on /admin and /api/admin ahead of every admin route, so each one — ours, and any
 * added later — requires an admin by construction: 401 without credentials, 403 for another
 * role or (with an admin IP allowlist) another address. Every refusal is a security entry in
 * the audit log (repeats of the same refusal within a minute are folded into the first).
 */
export function adminGuard(deps: PrincipalDeps & { audit: AuditLog; allowlist: AdminIpAllowlist }) {
  const recent = new LRUCache<string, true>({ max: 10_000, ttl: 60_000 });
  const violation = (req: Request, eventType: AuditEventType, reason: string, who?: { userId: string; keyId: string }) => {
    const ip = clientIp(req) ?? null;
    const throttle = `${eventType}:${who?.userId ?? ip}:${req.method} ${req.path}`;
    if (recent.has(throttle)) return;
    recent.set(throttle, true);
    deps.audit.recordSoon({
      eventType,
      actorUserId: who?.userId ?? null,
      actorKeyId: who?.keyId || null,
      subjectUserId: who?.userId ?? null,
      targetType: 'route',
      targetId: `${req.method} ${req.baseUrl}${req.path}`.slice(0, 300),
      ip,
      requestId: req.id,
      details: { reason },
    });
  };

  return (req: Request, _res: Response, next: NextFunction): void => {
    resolvePrincipal(deps, req, 'admin')
      .then(async (auth) => {
        if (auth.role !== 'admin') {
          violation(req, 'security.unauthorized_admin_access', `role ${auth.role}`, auth);
          throw errors.forbidden('This endpoint requires the admin role.', 'insufficient_role');
        }
        if (!(await deps.allowlist.allows(clientIp(req)))) {
          violation(req, 'security.admin_ip_not_allowed', 'address not in the admin IP allowlist', auth);
          throw errors.forbidden('The admin API cannot be used from this IP address.', 'admin_ip_not_allowed');
        }
        identify(req, auth);
        next();
      })
      .catch((err: unknown) => {
        if (isGatewayError(err) && err.status === 401) violation(req, 'security.unauthorized_admin_access', err.code);
        else if (isGatewayError(err) && err.status === 403 && (err.code === 'ip_not_allowed' || err.code === 'insufficient_scope' || err.code === 'domain_not_allowed')) {
          violation(req, 'security.unauthorized_admin_access', err.code);
        }
        next(err);
      });
  };
}
