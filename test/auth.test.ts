import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { PassThrough } from 'node:stream';
import OpenAI from 'openai';
import { createRedis, type Redis } from '@gatewayz/redis';
import { startStack, type TestStack } from './support/stack';

/** API-key authentication on POST /v1/chat/completions, against real Postgres and Redis. */
const CACHE_TTL_MS = 1000;
/** In logs, not even the prefix of a key may appear. */
const KEY_PATTERN = /gw_(live|test)_/;
/** In responses the prefix may appear in help text ("keys look like gw_live_..."), a key may not. */
const FULL_KEY_PATTERN = /gw_(live|test)_[A-Za-z0-9_-]{8,}/;

interface Answer {
  status: number;
  headers: string;
  text: string;
  error?: { message: string; type: string; param: string | null; code: string | null };
}

describe('API-key authentication', () => {
  let stack: TestStack;
  let redis: Redis;
  let logs = '';
  const logStream = new PassThrough();
  logStream.on('data', (chunk: Buffer) => (logs += chunk.toString('utf8')));
  /** Every key presented during the run: none may appear in a response or a log line. */
  const presented: string[] = [];

  beforeAll(async () => {
    stack = await startStack({ env: { AUTH_CACHE_TTL_MS: String(CACHE_TTL_MS) }, logStream });
    redis = createRedis(process.env.REDIS_URL!, { name: 'auth-test' });
    if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  });

  afterAll(async () => {
    await stack.close();
    redis.disconnect();
    logStream.end();
  });

  async function chat(headers: Record<string, string>, content = 'auth check'): Promise<Answer> {
    const res = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ model: 'sim/echo', messages: [{ role: 'user', content }] }),
    });
    const text = await res.text();
    const answer: Answer = { status: res.status, headers: JSON.stringify([...res.headers]), text };
    if (res.status >= 400) answer.error = (JSON.parse(text) as { error: Answer['error'] }).error;
    for (const key of presented) {
      expect(answer.text).not.toContain(key);
      expect(answer.headers).not.toContain(key);
    }
    return answer;
  }

  const bearer = (key: string) => {
    presented.push(key);
    return { authorization: `Bearer ${key}` };
  };

  function expect401(a: Answer, code: string): NonNullable<Answer['error']> {
    expect(a.status).toBe(401);
    expect(a.error).toMatchObject({ type: 'authentication_error', code, param: null });
    expect(a.text).not.toMatch(FULL_KEY_PATTERN);
    return a.error!;
  }

  it('no Authorization header → 401 missing_api_key', async () => {
    const err = expect401(await chat({}), 'missing_api_key');
    expect(err.message).toMatch(/Missing API key/);
  });

  it('Bearer garbage → 401 invalid_api_key', async () => {
    expect401(await chat(bearer('garbage')), 'invalid_api_key');
    expect401(await chat({ authorization: 'Basic dXNlcjpwYXNz' }), 'invalid_api_key');
    expect401(await chat(bearer(`gw_live_${'x'.repeat(10)}`)), 'invalid_api_key');
  });

  it('a well-formed but unknown key → 401 invalid_api_key', async () => {
    const unknown = `gw_live_${randomBytes(32).toString('base64url')}`;
    const err = expect401(await chat(bearer(unknown)), 'invalid_api_key');
    expect(err.message).not.toContain(unknown.slice(8));
    // Asked again (now from the negative cache): same answer.
    expect401(await chat(bearer(unknown)), 'invalid_api_key');
  });

  it('a disabled key → 401 api_key_disabled', async () => {
    const { key, keyId } = await stack.createKey();
    await stack.prisma.apiKey.update({ where: { id: keyId }, data: { isActive: false } });
    const err = expect401(await chat(bearer(key)), 'api_key_disabled');
    expect(err.message).toMatch(/disabled/);
  });

  it('an expired key → 401 api_key_expired, saying so', async () => {
    const expiresAt = new Date(Date.now() - 60_000);
    const { key } = await stack.createKey({ expiresAt });
    const err = expect401(await chat(bearer(key)), 'api_key_expired');
    expect(err.message).toMatch(/expired/);
    expect(err.message).toContain(expiresAt.toISOString());
  });

  it('a deleted key → 401 invalid_api_key', async () => {
    const { key, keyId } = await stack.createKey();
    await stack.prisma.apiKey.update({ where: { id: keyId }, data: { deletedAt: new Date() } });
    expect401(await chat(bearer(key)), 'invalid_api_key');
  });

  it('a key whose owner is disabled → 401', async () => {
    const { key, userId } = await stack.createKey();
    await stack.prisma.user.update({ where: { id: userId }, data: { isActive: false } });
    expect401(await chat(bearer(key)), 'account_disabled');
  });

  it('a valid key → 200, by Bearer and by x-api-key alike', async () => {
    const { key } = await stack.createKey();
    presented.push(key);
    const byBearer = await chat({ authorization: `Bearer ${key}` }, 'hello bearer');
    expect(byBearer.status).toBe(200);
    expect((JSON.parse(byBearer.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('hello bearer');
    const byHeader = await chat({ 'x-api-key': key }, 'hello header');
    expect(byHeader.status).toBe(200);
    expect((JSON.parse(byHeader.text) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe('hello header');
    // x-api-key is checked like Bearer: a bad one is refused.
    expect401(await chat({ 'x-api-key': 'not-a-key' }), 'invalid_api_key');
    // A test-environment key works too.
    const test = await stack.createKey({ environment: 'test' });
    presented.push(test.key);
    expect(test.key).toMatch(/^gw_test_/);
    expect((await chat({ authorization: `Bearer ${test.key}` })).status).toBe(200);
  });

  it('the openai SDK: a valid key answers, a bad one raises AuthenticationError', async () => {
    const { key } = await stack.createKey();
    presented.push(key);
    const ok = await new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 }).chat.completions.create({
      model: 'sim/echo',
      messages: [{ role: 'user', content: 'sdk ok' }],
    });
    expect(ok.choices[0]?.message.content).toBe('sdk ok');
    const bad = `gw_live_${randomBytes(32).toString('base64url')}`;
    presented.push(bad);
    const err = await new OpenAI({ apiKey: bad, baseURL: stack.baseURL, maxRetries: 0 }).chat.completions
      .create({ model: 'sim/echo', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
    expect(String((err as Error).message)).not.toContain(bad);
  });

  it('the api_keys row (and the Redis cache entry) hold no plaintext key', async () => {
    const { key, keyId } = await stack.createKey();
    presented.push(key);
    expect((await chat({ authorization: `Bearer ${key}` })).status).toBe(200);
    const row = await stack.prisma.apiKey.findUniqueOrThrow({ where: { id: keyId } });
    expect(row.encryptedKey).not.toBe(key);
    expect(row.encryptedKey).not.toContain(key);
    expect(row.encryptedKey).not.toContain(key.slice(8));
    expect(row.keyHash).toMatch(/^[0-9a-f]{64}$/);
    expect(row.last4).toBe(key.slice(-4));
    const raw = await stack.prisma.$queryRaw<{ j: string }[]>`SELECT row_to_json(k)::text AS j FROM api_keys k WHERE id = ${keyId}::uuid`;
    expect(raw).toHaveLength(1);
    expect(raw[0]!.j).not.toContain(key);
    expect(raw[0]!.j).not.toContain(key.slice(8, 30));
    // The Redis layer: keyed by hash, value without the key, TTL no longer than the cache TTL.
    const cacheKey = `${process.env.GATEWAYZ_NAMESPACE}:auth:key:${row.keyHash}`;
    const cached = await redis.get(cacheKey);
    expect(cached).not.toBeNull();
    expect(cached).not.toContain(key);
    expect(JSON.parse(cached!)).toMatchObject({ keyId, active: true });
    const ttl = await redis.pttl(cacheKey);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(CACHE_TTL_MS);
  });

  it('a revoked key stops working once the cache TTL has passed', async () => {
    const disabled = await stack.createKey();
    const deleted = await stack.createKey();
    presented.push(disabled.key, deleted.key);
    expect((await chat({ authorization: `Bearer ${disabled.key}` })).status).toBe(200);
    expect((await chat({ authorization: `Bearer ${deleted.key}` })).status).toBe(200);
    await stack.prisma.apiKey.update({ where: { id: disabled.keyId }, data: { isActive: false } });
    await stack.prisma.apiKey.update({ where: { id: deleted.keyId }, data: { deletedAt: new Date() } });
    await sleep(CACHE_TTL_MS + 150);
    expect401(await chat({ authorization: `Bearer ${disabled.key}` }), 'api_key_disabled');
    expect401(await chat({ authorization: `Bearer ${deleted.key}` }), 'invalid_api_key');
  });

  it('logs never contain a key', async () => {
    // Give the log stream a moment to flush what the requests above wrote.
    await sleep(50);
    expect(logs).toContain('edge listening');
    expect(logs).not.toMatch(KEY_PATTERN);
    for (const key of presented) expect(logs).not.toContain(key);
  });
});
