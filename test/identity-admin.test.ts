import { setTimeout as sleep } from 'node:timers/promises';
import type { Express } from 'express';
import { call, expectNoLeak, freshIp, register, uniqueEmail } from './support/identity';
import { startStack, type TestStack } from './support/stack';

/** The admin surface: the guard on every route, users, roles, the audit log, the admin IP allowlist. */
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

interface RouteLayer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: RouteLayer[] };
  rawPath?: string | string[];
}

/** Every route registered on the app (walking nested routers), as [METHOD, full path]. */
export function registeredRoutes(app: Express): [string, string][] {
  const out: [string, string][] = [];
  const walk = (stack: RouteLayer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const p of paths) for (const m of Object.keys(layer.route.methods)) if (m !== '_all') out.push([m.toUpperCase(), prefix + p]);
      } else if (layer.handle.stack) {
        const mounts = layer.rawPath === undefined ? ['/'] : Array.isArray(layer.rawPath) ? layer.rawPath : [layer.rawPath];
        for (const mount of mounts) walk(layer.handle.stack, prefix + (mount === '/' ? '' : mount));
      }
    }
  };
  walk((app as unknown as { router: { stack: RouteLayer[] } }).router.stack, '');
  return out;
}

/** A concrete URL for a route pattern (":id" → a UUID, wildcards → a segment). */
function concrete(path: string): string {
  return path
    .replace(/\{\*[^}]+\}|\*\w+/g, 'x')
    .replace(/:\w+/g, '00000000-0000-4000-8000-000000000000')
    .replace(/[{}]/g, '');
}

describe('admin', () => {
  let stack: TestStack;
  let admin: { key: string; userId: string };
  let user: { key: string; userId: string };

  beforeAll(async () => {
    stack = await startStack();
    admin = await stack.createKey({ role: 'admin', email: uniqueEmail('admin') });
    user = await stack.createKey({ role: 'user', email: uniqueEmail('plain') });
  });

  afterAll(async () => {
    await stack.close();
  });

  it('every registered admin route answers 401 without credentials and 403 to a non-admin, and is audited', async () => {
    const routes = registeredRoutes(stack.edge.app).filter(([, p]) => /^\/(api\/)?admin(\/|$)/.test(p));
    expect(routes.length).toBeGreaterThanOrEqual(14);
    const developer = await stack.createKey({ role: 'developer' });
    const support = await stack.createKey({ role: 'support' });
    const session = (await register(stack)).session;
    for (const [method, path] of routes) {
      const url = concrete(path);
      const anon = await call<ErrorBody>(stack, method, url, { ip: freshIp() });
      expect([method, path, anon.status]).toEqual([method, path, 401]);
      expect(anon.json.error.type).toBe('authentication_error');
      for (const auth of [user.key, developer.key, support.key, session]) {
        const r = await call<ErrorBody>(stack, method, url, { auth, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
        expect([method, path, r.status]).toEqual([method, path, 403]);
        expect(r.json.error.code).toBe('insufficient_role');
      }
    }
    // Each refusal of the plain user is a security entry in the audit log (AC-1.2.3).
    await sleep(300);
    const audit = await call<{ data: { event_type: string; target_id: string; user_id: string; severity: string }[] }>(
      stack,
      'GET',
      `/admin/audit/logs?event_type=security.unauthorized_admin_access&user_id=${user.userId}&limit=200`,
      { auth: admin.key },
    );
    expect(audit.status).toBe(200);
    const seen = new Set(audit.json.data.map((e) => e.target_id));
    for (const [method, path] of routes) expect(seen).toContain(`${method} ${concrete(path)}`);
    expect(audit.json.data[0]!.severity).toBe('high');
  });

  it('lists and searches users with a real total, and shows one user', async () => {
    const tag = `srch${Date.now().toString(36)}`;
    const made = [];
    for (let i = 0; i < 5; i++) made.push(await stack.createKey({ email: `${tag}-${i}@example.com`, plan: 'free' }));
    const page1 = await call<{ data: { id: string; email: string }[]; total: number; limit: number; offset: number; has_more: boolean }>(stack, 'GET', `/admin/users?search=${tag.toUpperCase()}&limit=2`, {
      auth: admin.key,
    });
    expect(page1.status).toBe(200);
    expect(page1.json).toMatchObject({ total: 5, limit: 2, offset: 0, has_more: true });
    expect(page1.json.data).toHaveLength(2);
    const page3 = await call<{ data: { id: string }[]; has_more: boolean }>(stack, 'GET', `/admin/users?search=${tag}&limit=2&offset=4`, { auth: admin.key });
    expect(page3.json.data).toHaveLength(1);
    expect(page3.json.has_more).toBe(false);
    // The real count of all users (other suites sign users up meanwhile: it lies between two counts).
    const countBefore = await stack.prisma.user.count();
    const all = await call<{ total: number }>(stack, 'GET', '/admin/users?limit=1', { auth: admin.key });
    const countAfter = await stack.prisma.user.count();
    expect(all.json.total).toBeGreaterThanOrEqual(countBefore);
    expect(all.json.total).toBeLessThanOrEqual(countAfter);
    // LIKE wildcards in a search are literal.
    expect((await call<{ total: number }>(stack, 'GET', '/admin/users?search=%25', { auth: admin.key })).json.total).toBe(0);
    expect((await call<{ total: number }>(stack, 'GET', `/admin/users?search=${made[0]!.userId}`, { auth: admin.key })).json.total).toBe(1);

    const detail = await call<{ id: string; email: string; plan: string; api_keys: { id: string }[] }>(stack, 'GET', `/admin/users/${made[0]!.userId}`, { auth: admin.key });
    expect(detail.json).toMatchObject({ id: made[0]!.userId, email: `${tag}-0@example.com`, plan: 'free' });
    expect(detail.json.api_keys.map((k) => k.id)).toEqual([made[0]!.keyId]);
    expect(detail.text).not.toMatch(/gw_live_[A-Za-z0-9_-]{10}/);

    expect((await call(stack, 'GET', '/admin/users/00000000-0000-4000-8000-000000000000', { auth: admin.key })).status).toBe(404);
    for (const bad of ['/admin/users?limit=500', '/admin/users?role=root', '/admin/users?order=id', '/admin/users/1%20OR%201=1']) {
      const r = await call(stack, 'GET', bad, { auth: admin.key });
      expect([bad, r.status]).toEqual([bad, 400]);
      expectNoLeak(r.text);
    }
  });

  it('publishes each role’s permission set', async () => {
    const perms: Record<string, string[]> = {};
    for (const role of ['admin', 'developer', 'user', 'support']) {
      const r = await call<{ role: string; permissions: { permission: string; description: string }[] }>(stack, 'GET', `/admin/roles/permissions/${role}`, { auth: admin.key });
      expect(r.status).toBe(200);
      perms[role] = r.json.permissions.map((p) => p.permission);
    }
    expect(perms.admin).toEqual(expect.arrayContaining(['admin:users:read', 'admin:roles:write', 'admin:audit:read', ...perms.developer!]));
    expect(perms.user).toEqual(['inference:use', 'keys:read', 'keys:write']);
    expect(perms.developer).toContain('keys:test_environment');
    expect((await call(stack, 'GET', '/admin/roles/permissions/root', { auth: admin.key })).status).toBe(404);
  });

  it('changes a role only with a reason, applies it at once, and logs it', async () => {
    const target = await stack.createKey({ role: 'user' });
    // Warm the target's cached key record: the role change must still apply immediately.
    expect((await call(stack, 'GET', '/admin/users?limit=1', { auth: target.key })).status).toBe(403);
    const noReason = await call<ErrorBody>(stack, 'POST', '/admin/roles/update', { auth: admin.key, body: { user_id: target.userId, new_role: 'admin' } });
    expect(noReason.status).toBe(400);
    expect(noReason.json.error.param).toBe('reason');
    expect((await call<ErrorBody>(stack, 'POST', '/admin/roles/update', { auth: admin.key, body: { user_id: target.userId, new_role: 'root', reason: 'x y z' } })).json.error.param).toBe('new_role');
    const self = await call<ErrorBody>(stack, 'POST', '/admin/roles/update', { auth: admin.key, body: { user_id: admin.userId, new_role: 'user', reason: 'demote me' } });
    expect(self.status).toBe(409);
    expect((await stack.prisma.user.findUniqueOrThrow({ where: { id: target.userId } })).role).toBe('user');

    const reason = '<b>on-call</b> rotation; ticket OPS-1';
    const ok = await call<{ previous_role: string; new_role: string; changed: boolean }>(stack, 'POST', '/admin/roles/update', {
      auth: admin.key,
      body: { user_id: target.userId, new_role: 'admin', reason },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ previous_role: 'user', new_role: 'admin', changed: true });
    expect((await call(stack, 'GET', '/admin/users?limit=1', { auth: target.key })).status).toBe(200);

    const log = await call<{ data: { user_id: string; changed_by: string; previous_role: string; new_role: string; reason: string; changed_at: string }[] }>(stack, 'GET', '/admin/roles/audit/log?limit=10', {
      auth: admin.key,
    });
    expect(log.json.data.find((e) => e.user_id === target.userId)).toMatchObject({ changed_by: admin.userId, previous_role: 'user', new_role: 'admin', reason });
    expect(Date.parse(log.json.data[0]!.changed_at)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('manages the admin IP allowlist (IPv4, CIDR, IPv6), checks addresses, enforces it, and never locks its editor out', async () => {
    const base = '/api/admin/ip-whitelist';
    const me = '192.0.2.10';
    const fromMe = { auth: admin.key, ip: me };
    const fromLoopback = { auth: admin.key };
    const created: string[] = [];
    const add = async (from: { auth: string; ip?: string }, ip: string, description = 'identity-test') => {
      const r = await call<{ id: string; ip: string }>(stack, 'POST', base, { ...from, body: { ip, description } });
      if (r.status === 201) created.push(r.json.id);
      return r;
    };
    const check = async (ip: string) => (await call<{ allowed: boolean; matched: string | null }>(stack, 'POST', `${base}/check`, { ...fromMe, body: { ip } })).json;
    try {
      const lockout = await add(fromMe, '203.0.113.0/24');
      expect(lockout.status).toBe(409);
      expect((lockout.json as unknown as ErrorBody).error.code).toBe('would_lock_out');

      // Other suites call the admin API from 127.0.0.1 while this runs: loopback stays allowed.
      for (const ip of ['127.0.0.0/8', '::1']) expect((await add(fromLoopback, ip)).status).toBe(201);
      const mine = await add(fromLoopback, me, 'office');
      expect(mine.json.ip).toBe('192.0.2.10/32');
      const range = await add(fromMe, '10.0.0.0/24');
      expect(range.json.ip).toBe('10.0.0.0/24');
      const v6 = await add(fromMe, '2001:db8::/48');
      expect(v6.status).toBe(201);
      expect((await call<ErrorBody>(stack, 'POST', base, { ...fromMe, body: { ip: '10.0.0.7/24' } })).json.error.code).toBe('duplicate_entry');
      expect((await call<ErrorBody>(stack, 'POST', base, { ...fromMe, body: { ip: 'not-an-ip' } })).json.error.param).toBe('ip');

      const list = await call<{ data: { ip: string }[]; enforced: boolean }>(stack, 'GET', base, fromMe);
      expect(list.json.enforced).toBe(true);
      expect(list.json.data.map((e) => e.ip)).toEqual(expect.arrayContaining(['192.0.2.10/32', '10.0.0.0/24', '2001:db8::/48']));
      expect(await check('10.0.0.99')).toMatchObject({ allowed: true, matched: '10.0.0.0/24' });
      expect(await check('2001:db8:0:1::1')).toMatchObject({ allowed: true, matched: '2001:db8::/48' });
      expect(await check('10.0.1.1')).toMatchObject({ allowed: false, matched: null });

      // Enforced: an admin from elsewhere is refused (and audited); from a listed range, served.
      const outside = await call<ErrorBody>(stack, 'GET', '/admin/users?limit=1', { auth: admin.key, ip: '198.51.100.77' });
      expect(outside.status).toBe(403);
      expect(outside.json.error.code).toBe('admin_ip_not_allowed');
      expect((await call(stack, 'GET', '/admin/users?limit=1', { auth: admin.key, ip: '10.0.0.5' })).status).toBe(200);

      const updated = await call<{ description: string; is_active: boolean }>(stack, 'PUT', `${base}/${range.json.id}`, { ...fromMe, body: { description: 'vpn', is_active: false } });
      expect(updated.json).toMatchObject({ description: 'vpn', is_active: false });
      expect((await check('10.0.0.99')).allowed).toBe(false);
      expect((await call(stack, 'GET', `${base}/${range.json.id}`, fromMe)).status).toBe(200);
      // Deleting the entry that admits the caller while others remain would lock them out.
      expect((await call<ErrorBody>(stack, 'DELETE', `${base}/${mine.json.id}`, fromMe)).json.error.code).toBe('would_lock_out');
      for (const id of [range.json.id, v6.json.id]) expect((await call(stack, 'DELETE', `${base}/${id}`, fromMe)).status).toBe(200);
      expect((await call(stack, 'GET', `${base}/${range.json.id}`, fromMe)).status).toBe(404);
    } finally {
      await stack.prisma.adminIpAllowlistEntry.deleteMany({ where: { OR: [{ id: { in: created } }, { description: 'identity-test' }] } });
    }
    expect((await call<{ enforced: boolean }>(stack, 'GET', base, { auth: admin.key })).json.enforced).toBe(false);
  });

  it('verifies the audit hash chains and shows the velocity mode', async () => {
    const verify = await call<{ ok: boolean; rows: number; chains: { severity: string; ok: boolean }[] }>(stack, 'GET', '/admin/audit/verify', { auth: admin.key });
    expect(verify.status).toBe(200);
    expect(verify.json.ok).toBe(true);
    expect(verify.json.rows).toBeGreaterThan(0);
    expect(verify.json.chains.map((c) => c.severity).sort()).toEqual(['critical', 'high', 'low', 'medium']);
    // (The unauthenticated probing of every admin route above is itself a burst of errors.)
    const velocity = await call<{ active: boolean; mode: string; threshold: number; window_seconds: number; error_rate: number }>(stack, 'GET', '/admin/velocity-mode-status', { auth: admin.key });
    expect(velocity.json).toMatchObject({ threshold: 0.25, window_seconds: 180, mode: velocity.json.active ? 'velocity' : 'normal' });
    expect(velocity.json.active).toBe(velocity.json.error_rate > 0.25);
    // The table itself refuses edits.
    await expect(stack.prisma.$executeRawUnsafe(`UPDATE audit_logs SET ip = '0.0.0.0' WHERE id = (SELECT max(id) FROM audit_logs)`)).rejects.toThrow(/append-only/);
    await expect(stack.prisma.$executeRawUnsafe(`DELETE FROM audit_logs WHERE id = (SELECT max(id) FROM audit_logs)`)).rejects.toThrow(/append-only/);
  });
});
