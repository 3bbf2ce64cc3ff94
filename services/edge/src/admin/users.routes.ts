import { Router } from 'express';
import { z } from 'zod';
import { Role, type Prisma, type PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import { freeText, parse, uuidParam } from '../http/validate';
import { keyView } from '../keys/key-view';

const listQuery = z
  .object({
    search: freeText(200).optional(),
    role: z.enum(Role).optional(),
    plan: z.enum(['free', 'starter', 'pro', 'enterprise']).optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    offset: z.coerce.number().int().min(0).max(1_000_000).default(0),
  })
  .strict();

/** LIKE wildcards in a search are literal characters. */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function userRow(u: { id: string; email: string; role: Role; plan: string; isActive: boolean; createdAt: Date; lastLoginAt: Date | null; referralCode: string | null; partnerCode: string | null; _count?: { apiKeys: number } }) {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    plan: u.plan,
    is_active: u.isActive,
    created_at: u.createdAt.toISOString(),
    last_login_at: u.lastLoginAt ? u.lastLoginAt.toISOString() : null,
    referral_code: u.referralCode,
    partner_code: u.partnerCode,
    ...(u._count ? { api_keys: u._count.apiKeys } : {}),
  };
}

/** GET /admin/users (search, filters, offset pagination with the real total) and GET /admin/users/{id}. */
export function adminUsersRouter(deps: { prisma: PrismaClient }): Router {
  const r = Router();

  r.get('/admin/users', async (req, res) => {
    const q = parse(listQuery, req.query);
    const where: Prisma.UserWhereInput = {
      ...(q.role ? { role: q.role } : {}),
      ...(q.plan ? { plan: q.plan } : {}),
      ...(q.search
        ? { OR: [{ email: { contains: likeLiteral(q.search.trim()), mode: 'insensitive' as const } }, ...(UUID.test(q.search.trim()) ? [{ id: q.search.trim().toLowerCase() }] : [])] }
        : {}),
    };
    const [total, users] = await deps.prisma.$transaction([
      deps.prisma.user.count({ where }),
      deps.prisma.user.findMany({
        where,
        orderBy: [{ createdAt: 'desc' }, { id: 'asc' }],
        skip: q.offset,
        take: q.limit,
        include: { _count: { select: { apiKeys: { where: { deletedAt: null } } } } },
      }),
    ]);
    res.json({ data: users.map(userRow), total, limit: q.limit, offset: q.offset, has_more: q.offset + users.length < total });
  });

  r.get('/admin/users/:user_id', async (req, res) => {
    const id = uuidParam(req, 'user_id');
    const user = await deps.prisma.user.findUnique({ where: { id }, include: { apiKeys: { where: { deletedAt: null }, orderBy: { createdAt: 'asc' } } } });
    if (!user) throw errors.notFound(`No user with id '${id}'.`, 'user_not_found');
    res.json({ ...userRow(user), api_keys: user.apiKeys.map(keyView) });
  });

  return r;
}
