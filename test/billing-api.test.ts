import { randomUUID } from 'node:crypto';
import { api, balances, chat, waitFor, waitForSettled } from './support/billing';
import { StreamReader } from './support/bus-reader';
import { startStack, type TestStack } from './support/stack';

jest.setTimeout(60_000);

/** Response bodies, read freely by the assertions below. */
type Json = Record<string, any>;

/** The billing HTTP API through the edge: plans, trials, partners, coupons, analytics, admin. */
describe('billing API', () => {
  let stack: TestStack;
  let reader: StreamReader;
  /** When the running test began: event reads start there (StreamReader.messages). */
  let testStart = new Date();
  beforeEach(() => {
    testStart = new Date();
  });
  let admin: { key: string; userId: string };

  beforeAll(async () => {
    stack = await startStack();
    reader = await StreamReader.connect();
    admin = await stack.createKey({ role: 'admin' });
  });

  afterAll(async () => {
    await reader.close();
    await stack.close();
  });

  describe('plans and trials', () => {
    it('GET /plans lists the four tiers and the trial from libs/plans (public)', async () => {
      const r = await api<Json>(stack.url, undefined, 'GET', '/plans');
      expect(r.status).toBe(200);
      expect(r.body.plans.map((p: Json) => p.id)).toEqual(['free', 'starter', 'pro', 'enterprise']);
      expect(r.body.trial).toEqual({ days: 14, credit: 5, daily_limit: 1 });
      expect(r.body.plans[2]).toMatchObject({ id: 'pro', monthly_price: 50, monthly_allowance: 50, daily_limit: 250, rate_limits: { rpm: 300 } });
    });

    it('GET /trial/status and /user/balance describe a new account', async () => {
      const { key } = await stack.createKey({ billing: 'lazy' });
      const t = await api<Json>(stack.url, key, 'GET', '/trial/status');
      expect(t.body).toMatchObject({ plan: 'free', status: 'active', is_active: true, days_remaining: 14, credit: 5, daily_limit: 1 });
      const b = await api<Json>(stack.url, key, 'GET', '/user/balance');
      expect(b.body).toMatchObject({ plan: 'free', balance: 5, available: 5, available_credits: 500, allowance: 5, purchased: 0, daily_limit: 1, spent_today: 0 });
      expect((await api(stack.url, undefined, 'GET', '/user/balance')).status).toBe(401);
    });

    it('a registration event opens the account with a partner trial; unknown codes get the standard trial', async () => {
      const put = await api<Json>(stack.url, admin.key, 'PUT', '/admin/partner-trials/REDBEARD', { name: 'Redbeard', plan: 'pro', trial_days: 14, credit: '100', daily_limit: '20' });
      expect(put).toMatchObject({ status: 200, body: { code: 'REDBEARD', plan: 'pro', credit: 100, daily_limit: 20 } });
      const partner = await stack.createKey({ billing: 'lazy' });
      const plain = await stack.createKey({ billing: 'lazy' });
      await reader.publish('identity.user.registered', { userId: partner.userId, email: 'p@example.com', partnerCode: 'redbeard', occurredAtMs: String(Date.now()) }, partner.userId);
      await reader.publish('identity.user.registered', { userId: plain.userId, email: 'q@example.com', partnerCode: 'NOPE', occurredAtMs: String(Date.now()) }, plain.userId);
      await waitFor(async () => (await stack.prisma.billingAccount.count({ where: { userId: { in: [partner.userId, plain.userId] }, registeredAt: { not: null } } })) === 2, 'registrations');
      expect(await api<Json>(stack.url, partner.key, 'GET', '/user/balance')).toMatchObject({ body: { plan: 'pro', plan_source: 'trial', allowance: 100, daily_limit: 20, trial: { partner_code: 'REDBEARD', credit: 100 } } });
      expect(await api<Json>(stack.url, plain.key, 'GET', '/user/balance')).toMatchObject({ body: { plan: 'free', allowance: 5, trial: { partner_code: null } } });
      await waitFor(async () => (await reader.messages('EVENTS', 'billing.plan.changed', testStart)).some((m) => m.json.userId === partner.userId && m.json.plan === 'pro'), 'PlanChanged pro');
    });

    it('a registration event after a lazy opening still applies the partner trial and the referral', async () => {
      const referrer = await stack.createKey({ billing: 'trial' });
      const code = (await api<Json>(stack.url, referrer.key, 'POST', '/referral/generate')).body.code as string;
      await api(stack.url, admin.key, 'PUT', '/admin/partner-trials/LATE', { name: 'Late', plan: 'starter', trial_days: 7, credit: '12', daily_limit: '3' });
      const user = await stack.createKey({ billing: 'lazy' });
      expect((await chat(stack.url, user.key, { model: 'sim/echo', messages: [{ role: 'user', content: 'first' }] })).status).toBe(200);
      await reader.publish('identity.user.registered', { userId: user.userId, email: 'late@example.com', partnerCode: 'LATE', referralCode: code, occurredAtMs: String(Date.now()) }, user.userId);
      await waitFor(async () => (await stack.prisma.billingAccount.findUniqueOrThrow({ where: { userId: user.userId } })).registeredAt !== null, 'the registration');
      expect((await api<Json>(stack.url, user.key, 'GET', '/user/balance')).body).toMatchObject({ plan: 'starter', daily_limit: 3, trial: { partner_code: 'LATE', days_remaining: 7 } });
      expect(await stack.prisma.referral.findUnique({ where: { refereeId: user.userId } })).toMatchObject({ referrerId: referrer.userId, status: 'pending' });
      // Replayed: nothing changes.
      await reader.publish('identity.user.registered', { userId: user.userId, email: 'late@example.com', partnerCode: 'LATE', occurredAtMs: String(Date.now()) }, `${user.userId}-again`);
      await new Promise((r) => setTimeout(r, 300));
      expect(await stack.prisma.creditTransaction.count({ where: { userId: user.userId, kind: 'trial' } })).toBe(2);
    });

    it('partner config is public, check always answers 200, start applies the partner terms once', async () => {
      await api(stack.url, admin.key, 'PUT', '/admin/partner-trials/ACME', { name: 'Acme', plan: 'starter', trial_days: 30, credit: '25', daily_limit: null });
      expect(await api<Json>(stack.url, undefined, 'GET', '/partner-trials/config/ACME')).toMatchObject({ status: 200, body: { name: 'Acme', trial_days: 30, credit: 25, daily_limit: null } });
      expect((await api(stack.url, undefined, 'GET', '/partner-trials/config/UNKNOWN1')).status).toBe(404);
      expect(await api<Json>(stack.url, undefined, 'GET', '/partner-trials/check/UNKNOWN1')).toMatchObject({ status: 200, body: { valid: false, partner: null } });
      expect(await api<Json>(stack.url, undefined, 'GET', '/partner-trials/check/%3Cscript%3E')).toMatchObject({ status: 200, body: { valid: false } });
      expect(await api<Json>(stack.url, undefined, 'GET', '/partner-trials/check/acme')).toMatchObject({ status: 200, body: { valid: true } });
      const { key } = await stack.createKey({ billing: 'trial' });
      const started = await api<Json>(stack.url, key, 'POST', '/partner-trials/start', { partner_code: 'ACME' });
      expect(started).toMatchObject({ status: 200, body: { plan: 'starter', allowance: 25, daily_limit: null, trial: { days_remaining: 30 } } });
      expect((await api<Json>(stack.url, key, 'POST', '/partner-trials/start', { partner_code: 'ACME' })).status).toBe(409);
      expect((await api(stack.url, key, 'PUT', '/admin/partner-trials/X1', { name: 'x', plan: 'pro', trial_days: 1, credit: '1' })).status).toBe(403);
    });
  });

  describe('coupons', () => {
    const code = () => `T${randomUUID().slice(0, 8).toUpperCase()}`;

    it('admin creates; a user validates and redeems once, credits land, history lists it', async () => {
      const c = code();
      const created = await api<Json>(stack.url, admin.key, 'POST', '/admin/coupons', { code: c, amount: '2.50', description: 'welcome' });
      expect(created).toMatchObject({ status: 201, body: { code: c, amount: 2.5, credits: 250 } });
      expect((await api(stack.url, admin.key, 'POST', '/admin/coupons', { code: c, amount: '1' })).status).toBe(409);
      const { key, userId } = await stack.createKey({ billing: 'trial' });
      expect(await api<Json>(stack.url, key, 'POST', '/coupons/validate', { code: c.toLowerCase() })).toMatchObject({ status: 200, body: { valid: true } });
      expect((await api<Json>(stack.url, key, 'GET', '/coupons/available')).body.coupons.some((x: Json) => x.code === c)).toBe(true);
      const redeemed = await api<Json>(stack.url, key, 'POST', '/coupons/redeem', { code: c });
      expect(redeemed).toMatchObject({ status: 200, body: { redeemed: true, amount: 2.5, account: { purchased: 2.5 } } });
      const again = await api<Json>(stack.url, key, 'POST', '/coupons/redeem', { code: c });
      expect(again).toMatchObject({ status: 400, body: { error: { code: 'coupon_already_redeemed', param: 'code' } } });
      expect((await api<Json>(stack.url, key, 'POST', '/coupons/validate', { code: c })).body).toMatchObject({ valid: false, reason: 'coupon_already_redeemed' });
      expect((await api<Json>(stack.url, key, 'GET', '/coupons/available')).body.coupons.some((x: Json) => x.code === c)).toBe(false);
      expect(await api<Json>(stack.url, key, 'GET', '/coupons/history')).toMatchObject({ body: { total: 1, redemptions: [{ code: c, amount: 2.5 }] } });
      expect((await balances(stack.prisma, userId)).purchased).toBe(2_500_000n);
    });

    it('refuses expired (400), unknown (404) and someone else’s coupon (403)', async () => {
      const { key, userId } = await stack.createKey({ billing: 'trial' });
      const other = await stack.createKey({ billing: 'trial' });
      const mine = code();
      await api(stack.url, admin.key, 'POST', '/admin/coupons', { code: mine, amount: '1', user_id: userId });
      const soon = code();
      await api(stack.url, admin.key, 'POST', '/admin/coupons', { code: soon, amount: '1', expires_at: new Date(Date.now() + 1_500).toISOString() });
      expect((await api<Json>(stack.url, other.key, 'POST', '/coupons/redeem', { code: mine })).body.error.code).toBe('coupon_not_yours');
      expect((await api(stack.url, other.key, 'POST', '/coupons/redeem', { code: mine })).status).toBe(403);
      expect((await api<Json>(stack.url, other.key, 'GET', '/coupons/available')).body.coupons.some((x: Json) => x.code === mine)).toBe(false);
      expect((await api<Json>(stack.url, key, 'GET', '/coupons/available')).body.coupons.some((x: Json) => x.code === mine)).toBe(true);
      expect((await api(stack.url, key, 'POST', '/coupons/redeem', { code: 'NO-SUCH-CODE' })).status).toBe(404);
      await new Promise((r) => setTimeout(r, 1_600));
      const expired = await api<Json>(stack.url, key, 'POST', '/coupons/redeem', { code: soon });
      expect(expired).toMatchObject({ status: 400, body: { error: { code: 'coupon_expired' } } });
    });

    it('max redemptions hold under concurrent redemption', async () => {
      const c = code();
      await api(stack.url, admin.key, 'POST', '/admin/coupons', { code: c, amount: '1', max_redemptions: 3 });
      const users = await Promise.all(Array.from({ length: 8 }, () => stack.createKey({ billing: 'trial' })));
      const results = await Promise.all(users.map((u) => api<Json>(stack.url, u.key, 'POST', '/coupons/redeem', { code: c })));
      expect(results.filter((r) => r.status === 200)).toHaveLength(3);
      expect(results.filter((r) => r.status === 400).every((r) => r.body.error.code === 'coupon_exhausted')).toBe(true);
      const coupon = await stack.prisma.coupon.findUniqueOrThrow({ where: { code: c } });
      expect(coupon.redemptions).toBe(3);
      expect(await stack.prisma.creditTransaction.count({ where: { kind: 'coupon', requestId: { startsWith: `coupon:${coupon.id}:` } } })).toBe(3);
    });
  });

  describe('referrals', () => {
    it('generates one code per user, validates it, refuses self-referral', async () => {
      const { key } = await stack.createKey({ billing: 'trial' });
      const a = await api<Json>(stack.url, key, 'POST', '/referral/generate');
      expect(a.body).toMatchObject({ max_uses: 10, uses: 0 });
      expect((await api<Json>(stack.url, key, 'POST', '/referral/generate')).body.code).toBe(a.body.code);
      expect((await api<Json>(stack.url, key, 'POST', '/referral/validate', { code: a.body.code })).body).toMatchObject({ valid: false, reason: 'referral_self' });
      const other = await stack.createKey({ billing: 'trial' });
      expect((await api<Json>(stack.url, other.key, 'POST', '/referral/validate', { code: a.body.code })).body).toMatchObject({ valid: true, uses_left: 10 });
      expect((await api<Json>(stack.url, other.key, 'POST', '/referral/validate', { code: 'ZZZZZZZZ' })).body).toMatchObject({ valid: false, reason: 'referral_not_found' });
    });
  });

  describe('usage analytics', () => {
    let key: string;
    let keyId: string;
    let userId: string;
    const ids: string[] = [];

    beforeAll(async () => {
      ({ key, keyId, userId } = await stack.createKey());
      for (let i = 0; i < 5; i++) {
        const id = `an-${i}-${randomUUID()}`;
        ids.push(id);
        expect((await chat(stack.url, key, { model: i < 3 ? 'sim/echo' : 'sim/lorem', messages: [{ role: 'user', content: `usage number ${i}` }] }, { 'x-request-id': id })).status).toBe(200);
      }
      await waitForSettled(stack.prisma, ids);
    });

    it('stats: real totals by day, model and provider', async () => {
      const r = await api<Json>(stack.url, key, 'GET', '/user/activity/stats');
      const spend = await stack.prisma.usageRecord.aggregate({ where: { userId }, _sum: { costMicros: true } });
      expect(r.body.totals).toMatchObject({ requests: 5, successful: 5, failed: 0 });
      expect(r.body.totals.spend).toBe(Number(spend._sum.costMicros) / 1e6);
      expect(r.body.by_model.map((m: Json) => [m.model, m.requests]).sort()).toEqual([
        ['sim/echo', 3],
        ['sim/lorem', 2],
      ]);
      expect(r.body.by_provider).toEqual([expect.objectContaining({ provider: 'sim', requests: 5 })]);
      expect(r.body.by_day).toHaveLength(1);
    });

    it('log: limit 1..1000, total is the database count', async () => {
      const r = await api<Json>(stack.url, key, 'GET', '/user/activity/log?limit=2');
      expect(r.body).toMatchObject({ total: 5, count: 2, limit: 2 });
      expect(r.body.logs[0]).toMatchObject({ api_key_id: keyId, provider: 'sim', status: 'success' });
      expect((await api(stack.url, key, 'GET', '/user/activity/log?limit=1001')).status).toBe(400);
      expect((await api<Json>(stack.url, key, 'GET', '/user/activity/log?limit=0')).body.error.param).toBe('limit');
    });

    it('per-key usage, and nothing of anyone else', async () => {
      const r = await api<Json>(stack.url, key, 'GET', `/user/api-keys/${keyId}/usage`);
      expect(r.body).toMatchObject({ key_id: keyId, totals: { requests: 5 } });
      const other = await stack.createKey();
      expect((await api<Json>(stack.url, other.key, 'GET', `/user/api-keys/${keyId}/usage`)).body.totals.requests).toBe(0);
    });

    it('export as CSV and JSON with the documented columns', async () => {
      const today = new Date().toISOString().slice(0, 10);
      const csv = await api(stack.url, key, 'GET', `/user/usage/export?format=csv&start_date=${today}&end_date=${today}`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
      const lines = csv.text.trim().split('\n');
      expect(lines[0]).toBe('date,request_id,model,provider,tokens_in,tokens_out,cost,api_key,status');
      expect(lines).toHaveLength(6);
      expect(lines.slice(1).every((l) => l.includes(keyId) && l.includes(',sim,'))).toBe(true);
      const json = await api<Json>(stack.url, key, 'GET', '/user/usage/export?format=json');
      expect(json.body.total).toBe(5);
      expect(json.body.records[0]).toEqual(expect.objectContaining({ model: expect.any(String), tokens_in: expect.any(Number), tokens_out: expect.any(Number), cost: expect.any(Number), api_key: keyId }));
      expect((await api(stack.url, key, 'GET', '/user/usage/export?format=xml')).status).toBe(400);
      expect((await api(stack.url, key, 'GET', '/user/usage/export?start_date=yesterday')).status).toBe(400);
    });

    it('latency percentiles of the user’s own requests, per model', async () => {
      const r = await api<Json>(stack.url, key, 'GET', '/user/latency?model=sim/echo');
      expect(r.body.overall).toMatchObject({ requests: 3 });
      expect(r.body.overall.p99_ms).toBeGreaterThanOrEqual(r.body.overall.p50_ms);
      expect(r.body.by_model).toEqual([expect.objectContaining({ model: 'sim/echo', requests: 3 })]);
    });

    it('credit transactions are paginated with the real total', async () => {
      const r = await api<Json>(stack.url, key, 'GET', '/credits/transactions?limit=2');
      const total = await stack.prisma.creditTransaction.count({ where: { userId } });
      expect(r.body).toMatchObject({ total, limit: 2 });
      expect(r.body.transactions).toHaveLength(2);
      expect(r.body.transactions[0]).toMatchObject({ kind: 'api_usage', model: expect.stringMatching(/^sim\//) });
      expect((await api<Json>(stack.url, key, 'GET', '/credits/transactions?kind=api_usage')).body.total).toBe(5);
    });
  });

  describe('admin', () => {
    it('non-admins get 403 on every admin billing endpoint', async () => {
      const { key } = await stack.createKey();
      for (const [method, path] of [
        ['POST', '/credits/add'],
        ['POST', '/credits/adjust'],
        ['POST', '/credits/refund'],
        ['POST', '/admin/assign-plan'],
        ['GET', '/admin/monitor'],
        ['POST', '/admin/coupons'],
      ] as const) {
        const r = await api<Json>(stack.url, key, method, path, method === 'POST' ? {} : undefined);
        expect([path, r.status, r.body.error?.code]).toEqual([path, 403, 'insufficient_role']);
      }
    });

    it('credit operations record actor and reason, and respect the per-operation and 24 h caps', async () => {
      const opAdmin = await stack.createKey({ role: 'admin' });
      const { userId } = await stack.createKey({ billing: 'trial' });
      const add = await api<Json>(stack.url, opAdmin.key, 'POST', '/credits/add', { user_id: userId, amount: '100', reason: 'goodwill' });
      expect(add).toMatchObject({ status: 200, body: { transaction: { kind: 'admin_credit', amount: 100, actor_id: opAdmin.userId }, account: { purchased: 100 } } });
      expect((await stack.prisma.creditTransaction.findFirstOrThrow({ where: { userId, kind: 'admin_credit' } })).reason).toBe('add: goodwill');
      const tooBig = await api<Json>(stack.url, opAdmin.key, 'POST', '/credits/add', { user_id: userId, amount: '100.01', reason: 'too much' });
      expect(tooBig).toMatchObject({ status: 400, body: { error: { code: 'admin_credit_cap_exceeded' } } });
      const adjust = await api<Json>(stack.url, opAdmin.key, 'POST', '/credits/adjust', { user_id: userId, amount: '-40', reason: 'correction' });
      expect(adjust.body.account.purchased).toBe(60);
      const negative = await api<Json>(stack.url, opAdmin.key, 'POST', '/credits/adjust', { user_id: userId, amount: '-61', reason: 'too far' });
      expect(negative).toMatchObject({ status: 400, body: { error: { code: 'balance_would_be_negative' } } });
      for (let i = 0; i < 3; i++) expect((await api(stack.url, opAdmin.key, 'POST', '/credits/add', { user_id: userId, amount: '100', reason: `batch ${i}` })).status).toBe(200);
      // 100 + 40 + 300 used; 60 left in this admin's 24 h window.
      const over = await api<Json>(stack.url, opAdmin.key, 'POST', '/credits/add', { user_id: userId, amount: '60.01', reason: 'over the day' });
      expect(over).toMatchObject({ status: 429, body: { error: { code: 'admin_daily_cap_exceeded' } } });
      expect((await api(stack.url, opAdmin.key, 'POST', '/credits/add', { user_id: userId, amount: 'ten', reason: 'bad amount' })).status).toBe(400);
    });

    it('refunds a request’s charge once', async () => {
      const { key, userId } = await stack.createKey();
      const id = `refund-${randomUUID()}`;
      expect((await chat(stack.url, key, { model: 'sim/echo', messages: [{ role: 'user', content: 'refund me please' }] }, { 'x-request-id': id })).status).toBe(200);
      await waitForSettled(stack.prisma, [id]);
      const charge = await stack.prisma.creditTransaction.findFirstOrThrow({ where: { requestId: id, kind: 'api_usage' } });
      const r = await api<Json>(stack.url, admin.key, 'POST', '/credits/refund', { user_id: userId, request_id: id, reason: 'bad answer' });
      expect(r.body.transaction).toMatchObject({ kind: 'refund', amount: Number(-charge.amountMicros) / 1e6, request_id: `refund:${id}` });
      expect((await api<Json>(stack.url, admin.key, 'POST', '/credits/refund', { user_id: userId, request_id: id, reason: 'again' })).status).toBe(409);
    });

    it('assigns plans (published) and shows the monitor', async () => {
      const { userId } = await stack.createKey({ billing: 'trial' });
      const r = await api<Json>(stack.url, admin.key, 'POST', '/admin/assign-plan', { user_id: userId, plan: 'pro', reason: 'sales deal' });
      expect(r.body).toMatchObject({ plan: 'pro', plan_source: 'admin', allowance: 50 });
      await waitFor(async () => (await reader.messages('EVENTS', 'billing.plan.changed', testStart)).some((m) => m.json.userId === userId && m.json.plan === 'pro'), 'PlanChanged');
      const m = await api<Json>(stack.url, admin.key, 'GET', '/admin/monitor');
      expect(m.status).toBe(200);
      expect(m.body.users.total).toBeGreaterThan(1);
      expect(m.body.users.by_plan.pro).toBeGreaterThanOrEqual(1);
      expect(m.body.credits.total).toBeGreaterThan(0);
      expect(m.body.usage.last_24h.requests).toBeGreaterThanOrEqual(5);
    });
  });
});
