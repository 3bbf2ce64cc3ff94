import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { PrismaClient } from '@gatewayz/db';
import { GatewayError, errors } from '@gatewayz/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AuditEventType } from '../audit/audit-events';
import { clientIp, freeText, origin, parse, uuidParam } from '../http/validate';
import { canonicalIp, ipAllowed, matchingRange, normalizeCidr } from '../keys/key-restrictions';
import type { AdminIpAllowlist } from './admin-guard';

const cidr = z
  .string()
  .max(64)
  .transform((v, ctx) => {
    const c = normalizeCidr(v);
    if (!c) ctx.addIssue({ code: 'custom', message: 'must be an IPv4 or IPv6 address or CIDR range' });
    return c ?? '';
  });

const createSchema = z.object({ ip: cidr, description: freeText(200).default('') }).strict();
const updateSchema = z
  .object({ ip: cidr.optional(), description: freeText(200).optional(), is_active: z.boolean().optional() })
  .strict()
  .refine((o) => Object.keys(o).length > 0, 'send at least one of ip, description, is_active');
const checkSchema = z
  .object({
    ip: z
      .string()
      .max(64)
      .refine((v) => canonicalIp(v) !== undefined, 'must be an IPv4 or IPv6 address'),
  })
  .strict();

type Entry = { id: string; cidr: string; description: string; isActive: boolean; createdAt: Date; updatedAt: Date };
const view = (e: Entry) => ({ id: e.id, ip: e.cidr, description: e.description, is_active: e.isActive, created_at: e.createdAt.toISOString(), updated_at: e.updatedAt.toISOString() });

/**
 * /api/admin/ip-whitelist: the addresses allowed to use the admin API. A change that would
 * shut out the admin making it is refused (409), so the list can never lock its editor out.
 */
export function adminIpAllowlistRouter(deps: { prisma: PrismaClient; audit: AuditLog; allowlist: AdminIpAllowlist; body: RequestHandler }): Router {
  const r = Router();
  const base = '/api/admin/ip-whitelist';

  const find = async (id: string) => {
    const e = await deps.prisma.adminIpAllowlistEntry.findUnique({ where: { id } });
    if (!e) throw errors.notFound(`No allowlist entry with id '${id}'.`, 'entry_not_found');
    return e;
  };

  /** Refuses a change whose resulting active list would not contain the caller's address. */
  const keepsCaller = (req: Request, active: string[]) => {
    const ip = clientIp(req);
    if (active.length > 0 && !ipAllowed(active, ip)) {
      throw new GatewayError({ code: 'would_lock_out', status: 409, message: `This change would block your own address (${ip ?? 'unknown'}) from the admin API.` });
    }
  };

  const audit = (req: Request, eventType: AuditEventType, id: string, details: Record<string, string | boolean>) => {
    const o = origin(req);
    return { eventType, actorUserId: req.auth!.userId, actorKeyId: req.auth!.keyId || null, targetType: 'admin_ip_allowlist', targetId: id, ip: o.ip, requestId: o.requestId, details };
  };

  const duplicate = (err: unknown) => typeof err === 'object' && err !== null && (err as { code?: unknown }).code === 'P2002';
  const conflict = () => new GatewayError({ code: 'duplicate_entry', status: 409, param: 'ip', message: 'This address or range is already in the allowlist.' });

  r.get(base, async (_req, res) => {
    const rows = await deps.prisma.adminIpAllowlistEntry.findMany({ orderBy: { createdAt: 'asc' } });
    res.json({ data: rows.map(view), enforced: rows.some((e) => e.isActive) });
  });

  r.post(`${base}/check`, deps.body, async (req, res) => {
    const ip = canonicalIp(parse(checkSchema, req.body).ip)!;
    const active = await deps.allowlist.activeCidrs();
    const matched = matchingRange(active, ip) ?? null;
    res.json({ ip, allowed: active.length === 0 || matched !== null, matched, enforced: active.length > 0 });
  });

  r.get(`${base}/:entry_id`, async (req, res) => {
    res.json(view(await find(uuidParam(req, 'entry_id'))));
  });

  r.post(base, deps.body, async (req, res) => {
    const input = parse(createSchema, req.body);
    keepsCaller(req, [...(await deps.allowlist.activeCidrs()), input.ip]);
    const created = await deps.prisma
      .$transaction(async (tx) => {
        const e = await tx.adminIpAllowlistEntry.create({ data: { cidr: input.ip, description: input.description, createdById: req.auth!.userId } });
        await deps.audit.record(audit(req, 'admin.ip_allowlist.created', e.id, { ip: e.cidr }), tx);
        return e;
      })
      .catch((err: unknown) => {
        throw duplicate(err) ? conflict() : err;
      });
    res.status(201).json(view(created));
  });

  r.put(`${base}/:entry_id`, deps.body, async (req, res) => {
    const id = uuidParam(req, 'entry_id');
    const input = parse(updateSchema, req.body);
    const before = await find(id);
    const after = { cidr: input.ip ?? before.cidr, isActive: input.is_active ?? before.isActive };
    const others = (await deps.prisma.adminIpAllowlistEntry.findMany({ where: { isActive: true, id: { not: id } }, select: { cidr: true } })).map((e) => e.cidr);
    keepsCaller(req, after.isActive ? [...others, after.cidr] : others);
    const updated = await deps.prisma
      .$transaction(async (tx) => {
        const e = await tx.adminIpAllowlistEntry.update({
          where: { id },
          data: { cidr: after.cidr, isActive: after.isActive, ...(input.description !== undefined ? { description: input.description } : {}) },
        });
        await deps.audit.record(audit(req, 'admin.ip_allowlist.updated', id, { ip: e.cidr, is_active: e.isActive }), tx);
        return e;
      })
      .catch((err: unknown) => {
        throw duplicate(err) ? conflict() : err;
      });
    res.json(view(updated));
  });

  r.delete(`${base}/:entry_id`, async (req, res) => {
    const id = uuidParam(req, 'entry_id');
    const before = await find(id);
    const others = (await deps.prisma.adminIpAllowlistEntry.findMany({ where: { isActive: true, id: { not: id } }, select: { cidr: true } })).map((e) => e.cidr);
    keepsCaller(req, others);
    await deps.prisma.$transaction(async (tx) => {
      await tx.adminIpAllowlistEntry.delete({ where: { id } });
      await deps.audit.record(audit(req, 'admin.ip_allowlist.deleted', id, { ip: before.cidr }), tx);
    });
    res.json({ id, deleted: true });
  });

  return r;
}
