import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough } from 'node:stream';
import OpenAI from 'openai';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import { UserRegisteredSchema } from '@gatewayz/proto';
import { call, expectNoLeak, freshIp, register, uniqueEmail } from './support/identity';
import { startStack, type TestStack } from './support/stack';

/** Sign-up, login and session tokens (POST /auth/register, /auth/login), against the real stack. */
const KEY_IN_LOGS = /gw_(live|test)_/;
const JWT = /eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/;

describe('accounts', () => {
  let stack: TestStack;
  let bus: Bus;
  let logs = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
  const secrets: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ env: { AUTH_REGISTER_LIMIT: '3', AUTH_LOGIN_LIMIT: '10' }, logStream });
    bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'test', namespace: process.env.GATEWAYZ_NAMESPACE!, logger: silentLogger() });
  });

  afterAll(async () => {
    await stack.close();
    await bus.close();
    logStream.end();
  });

  /** Finds the UserRegistered event of a user on the IDENTITY stream (Nats-Msg-Id = user id). */
  async function registeredEvent(userId: string, timeoutMs = 5_000) {
    const stream = bus.streamName('IDENTITY');
    const until = Date.now() + timeoutMs;
    for (;;) {
      const info = await bus.jsm.streams.info(stream).catch(() => undefined);
      if (info) {
        for (let seq = info.state.last_seq; seq >= Math.max(1, info.state.first_seq); seq--) {
          const msg = await bus.jsm.streams.getMessage(stream, { seq }).catch(() => null);
          if (msg?.header.get('Nats-Msg-Id') === userId) return { msg, event: fromJson(UserRegisteredSchema, msg.json<JsonValue>()) };
          if (info.state.last_seq - seq > 200) break;
        }
      }
      if (Date.now() > until) throw new Error(`no UserRegistered for ${userId}`);
      await sleep(50);
    }
  }

  it('registers: basic tier, a first key shown once, a session, the trial announced to billing', async () => {
    const email = uniqueEmail('Signup');
    const r = await call<{
      user: { id: string; email: string; role: string; plan: string };
      api_key: { id: string; key: string; last4: string };
      session: { token: string; token_type: string; expires_at: string };
      trial: { status: string; message: string };
    }>(stack, 'POST', '/auth/register', { body: { email: email.toUpperCase(), password: 'correct horse battery', referral_code: 'FRIEND-42', partner_code: 'acme_partner' }, ip: freshIp() });
    expect(r.status).toBe(201);
    secrets.push(r.json.api_key.key, r.json.session.token);
    expect(r.json.user).toMatchObject({ email: email.toLowerCase(), role: 'user', plan: 'free' });
    expect(r.json.api_key.key).toMatch(/^gw_live_[A-Za-z0-9_-]{43}$/);
    expect(r.json.api_key.last4).toBe(r.json.api_key.key.slice(-4));
    expect(r.json.session.token_type).toBe('Bearer');
    expect(new Date(r.json.session.expires_at).getTime()).toBeGreaterThan(Date.now());
    expect(r.json.trial.status).toBe('pending');

    const row = await stack.prisma.user.findUniqueOrThrow({ where: { id: r.json.user.id } });
    expect(row.passwordHash).toMatch(/^\$argon2id\$/);
    expect(row).toMatchObject({ referralCode: 'FRIEND-42', partnerCode: 'acme_partner', plan: 'free', role: 'user' });

    // The key works on /v1 with the official SDK; the session works on /user/*.
    const client = new OpenAI({ apiKey: r.json.api_key.key, baseURL: stack.baseURL, maxRetries: 0 });
    const completion = await client.chat.completions.create({ model: 'sim/echo', messages: [{ role: 'user', content: 'first call' }] });
    expect(completion.choices[0]?.message.content).toBe('first call');
    const keys = await call<{ data: { id: string }[] }>(stack, 'GET', '/user/api-keys', { auth: r.json.session.token });
    expect(keys.status).toBe(200);
    expect(keys.json.data.map((k) => k.id)).toEqual([r.json.api_key.id]);

    // Billing hears about it: UserRegistered on JetStream, Nats-Msg-Id = user id; the outbox empties.
    const { msg, event } = await registeredEvent(r.json.user.id);
    expect(msg.subject).toBe(bus.subject('identity.user.registered'));
    expect(event).toMatchObject({ userId: r.json.user.id, email: email.toLowerCase(), referralCode: 'FRIEND-42', partnerCode: 'acme_partner' });
    expect(Number(event.occurredAtMs)).toBeGreaterThan(Date.now() - 60_000);
    expect(await stack.prisma.identityOutbox.count({ where: { msgId: r.json.user.id } })).toBe(0);
  });

  it('refuses a disposable email, a duplicate, a weak password, and any field it does not know', async () => {
    const ip = freshIp();
    const cases: [{ email: string; password: string; role?: string }, number, string | null][] = [
      [{ email: 'someone@mailinator.com', password: 'long enough pw' }, 400, 'email'],
      [{ email: 'not-an-email', password: 'long enough pw' }, 400, 'email'],
      [{ email: uniqueEmail(), password: 'short' }, 400, 'password'],
      [{ email: uniqueEmail(), password: 'long enough pw', role: 'admin' }, 400, null],
    ];
    for (const [body, status, param] of cases) {
      const r = await call<{ error: { param: string | null; type: string; message: string } }>(stack, 'POST', '/auth/register', { body, ip: freshIp() });
      expect(r.status).toBe(status);
      expect(r.json.error.type).toBe('invalid_request_error');
      if (param) expect(r.json.error.param).toBe(param);
      expectNoLeak(r.text);
    }
    const massAssignEmail = uniqueEmail();
    const massAssign = await call<{ error: { message: string } }>(stack, 'POST', '/auth/register', { body: { email: massAssignEmail, password: 'long enough pw', plan: 'enterprise', credits: 1e9 }, ip });
    expect(massAssign.status).toBe(400);
    expect(massAssign.json.error.message).toMatch(/Unrecognized parameter\(s\): plan, credits/);
    // None of them created an account (other suites register users meanwhile: count these only).
    const attempted = [...cases.map(([body]) => body.email.toLowerCase()), massAssignEmail];
    expect(await stack.prisma.user.count({ where: { email: { in: attempted } } })).toBe(0);

    const taken = await register(stack);
    secrets.push(taken.key, taken.session);
    const dup = await call<{ error: { code: string; param: string } }>(stack, 'POST', '/auth/register', { body: { email: taken.email.toUpperCase(), password: 'another password' }, ip: freshIp() });
    expect(dup.status).toBe(409);
    expect(dup.json.error).toMatchObject({ code: 'email_taken', param: 'email' });
    const bad = await call(stack, 'POST', '/auth/register', { body: '{"email":', ip: freshIp() });
    expect(bad.status).toBe(400);
  });

  it('logs in with a short-lived session usable on /user/*, never on /v1', async () => {
    const acct = await register(stack);
    secrets.push(acct.key, acct.session);
    const ip = freshIp();
    const login = await call<{ token: string; expires_at: string; user: { id: string } }>(stack, 'POST', '/auth/login', { body: { email: acct.email, password: acct.password }, ip });
    expect(login.status).toBe(200);
    secrets.push(login.json.token);
    expect(login.json.user.id).toBe(acct.userId);
    const ttl = new Date(login.json.expires_at).getTime() - Date.now();
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(900_000 + 1_000);
    expect((await call(stack, 'GET', '/user/api-keys', { auth: login.json.token })).status).toBe(200);

    const onV1 = await call<{ error: { code: string } }>(stack, 'POST', '/v1/chat/completions', {
      auth: login.json.token,
      body: { model: 'sim/echo', messages: [{ role: 'user', content: 'x' }] },
    });
    expect(onV1.status).toBe(401);

    const wrong = await call<{ error: { code: string; message: string } }>(stack, 'POST', '/auth/login', { body: { email: acct.email, password: 'wrong password' }, ip });
    const unknown = await call<{ error: { code: string; message: string } }>(stack, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: 'whatever pw' }, ip });
    for (const r of [wrong, unknown]) {
      expect(r.status).toBe(401);
      expect(r.json.error).toMatchObject({ code: 'invalid_credentials', message: 'Invalid email or password.' });
    }
    const tampered = `${login.json.token.slice(0, -4)}AAAA`;
    expect((await call<{ error: { code: string } }>(stack, 'GET', '/user/api-keys', { auth: tampered })).json.error.code).toBe('invalid_session');
    // A disabled account's session stops working at once.
    await stack.prisma.user.update({ where: { id: acct.userId }, data: { isActive: false } });
    expect((await call(stack, 'GET', '/user/api-keys', { auth: login.json.token })).status).toBe(401);
  });

  it('limits sign-ups to 3 per hour per IP and logins to 10 per 15 minutes per IP, with headers', async () => {
    const ip = freshIp();
    for (let i = 0; i < 3; i++) {
      const r = await call(stack, 'POST', '/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw' }, ip });
      expect(r.status).toBe(201);
      secrets.push(((r.json as { api_key: { key: string } }).api_key).key);
    }
    const fourth = await call<{ error: { code: string; type: string } }>(stack, 'POST', '/auth/register', { body: { email: uniqueEmail(), password: 'long enough pw' }, ip });
    expect(fourth.status).toBe(429);
    expect(fourth.json.error).toMatchObject({ code: 'too_many_attempts', type: 'rate_limit_error' });
    expect(Number(fourth.headers.get('retry-after'))).toBeGreaterThan(3_500);
    expect(fourth.headers.get('x-ratelimit-limit')).toBe('3');
    expect(fourth.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(fourth.headers.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    // Another address is not affected.
    expect((await call(stack, 'POST', '/auth/register', { body: { email: 'x' }, ip: freshIp() })).status).toBe(400);

    const loginIp = freshIp();
    for (let i = 0; i < 10; i++) {
      expect((await call(stack, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: 'guess' }, ip: loginIp })).status).toBe(401);
    }
    const eleventh = await call(stack, 'POST', '/auth/login', { body: { email: uniqueEmail(), password: 'guess' }, ip: loginIp });
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers.get('x-ratelimit-limit')).toBe('10');
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(800);
  });

  it('a sign-up while NATS is down still succeeds; the event waits in the outbox and is published later', async () => {
    const offline = await startStack({ env: { NATS_URL: 'nats://127.0.0.1:1', AUTH_REGISTER_LIMIT: '100' } });
    try {
      const acct = await register(offline);
      secrets.push(acct.key, acct.session);
      const pending = await offline.prisma.identityOutbox.findMany({ where: { msgId: acct.userId } });
      expect(pending).toHaveLength(1);
      // The edge of the first stack (connected to NATS) relays it within its next pass.
      const { event } = await registeredEvent(acct.userId, 8_000);
      expect(event.email).toBe(acct.email);
    } finally {
      await offline.close();
    }
  });

  it('logs never contain a key, a session token or a password', async () => {
    await sleep(50);
    expect(logs).toContain('edge listening');
    expect(logs).not.toMatch(KEY_IN_LOGS);
    expect(logs).not.toMatch(JWT);
    for (const s of secrets) expect(logs).not.toContain(s);
    expect(logs).not.toContain('correct horse battery');
  });
});
