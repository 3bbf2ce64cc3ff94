import { randomUUID } from 'node:crypto';
import OpenAI from 'openai';
import { Fernet } from '@gatewayz/crypto';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { UsageWatch } from './support/usage-watch';

/**
 * BYOK: a user stores their own provider key (encrypted at rest, never returned) and their
 * requests use it — replacing the gateway's key, or making usable a provider the gateway has no
 * key for. Groq has no gateway key here; OpenAI has one.
 */
type ApiError = InstanceType<typeof OpenAI.APIError>;
type UsageWithCost = OpenAI.CompletionUsage & { cost?: number };

const LLAMA = 'meta-llama/llama-3.1-8b-instruct';
const GROQ_KEY = 'gsk_user_own_secret_9876';
const OPENAI_KEY = 'sk-proj-user-own-openai-4321';

describe('BYOK: users own provider keys', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;
  let usage: UsageWatch;
  let alice: { key: string; userId: string };
  let bob: { key: string; userId: string };

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    stack = await startStack({
      env: { OPENAI_API_KEY: 'sk-gateway-openai', OPENAI_BASE_URL: upstream.url, GROQ_API_KEY: '', GROQ_BASE_URL: upstream.url, TOGETHER_API_KEY: '', OPENROUTER_API_KEY: '' },
    });
    alice = await stack.createKey();
    bob = await stack.createKey();
    usage = await UsageWatch.open();
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
    await usage.close();
  });

  beforeEach(() => upstream.reset());

  const api = (key: string, method: string, path: string, body?: object) =>
    fetch(`${stack.url}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
  const sdk = (key: string) => new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });

  it('without a key, a provider the gateway has no key for cannot serve the model', async () => {
    const err = await sdk(alice.key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(503);
    expect(upstream.requests).toHaveLength(0);
  });

  it('PUT stores a key (201, then 200 on replace); GET shows only its last 4 characters', async () => {
    const created = await api(alice.key, 'PUT', '/user/provider-keys/groq', { api_key: 'gsk_first_version_0000' });
    expect(created.status).toBe(201);
    const replaced = await api(alice.key, 'PUT', '/user/provider-keys/groq', { api_key: GROQ_KEY });
    expect(replaced.status).toBe(200);
    const text = await replaced.text();
    expect(text).not.toContain(GROQ_KEY);
    expect(JSON.parse(text)).toEqual({ object: 'provider_key', provider: 'groq', last4: '9876', created_at: expect.any(String), updated_at: expect.any(String) });

    const list = await api(alice.key, 'GET', '/user/provider-keys');
    const listText = await list.text();
    expect(listText).not.toContain('gsk_');
    expect((JSON.parse(listText) as { data: { provider: string; last4: string }[] }).data.map((k) => [k.provider, k.last4])).toEqual([['groq', '9876']]);
    expect(await (await api(alice.key, 'GET', '/user/provider-keys/groq')).json()).toMatchObject({ provider: 'groq', last4: '9876' });
    // Another user sees none of it.
    expect(await (await api(bob.key, 'GET', '/user/provider-keys')).json()).toEqual({ object: 'list', data: [] });
  });

  it('the key is encrypted at rest with the edge key ring (Fernet), never stored in clear', async () => {
    const rows = await stack.prisma.userProviderKey.findMany({ where: { userId: alice.userId } });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.encryptedKey).not.toContain(GROQ_KEY);
    expect(JSON.stringify(rows[0])).not.toContain(GROQ_KEY);
    expect(new Fernet(stack.env.API_KEY_ENCRYPTION_KEYS!.split(',')).decrypt(rows[0]!.encryptedKey)).toBe(GROQ_KEY);
  });

  it("the user's requests use their key: the provider becomes usable for them only, at no credit cost", async () => {
    const requestId = `byok-${randomUUID()}`;
    const before = await usage.mark();
    const res = await sdk(alice.key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'hello groq' }] }, { headers: { 'x-request-id': requestId } });
    expect(res.choices[0]!.message.content).toBe('Echo: hello groq');
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0]!.headers.authorization).toBe(`Bearer ${GROQ_KEY}`);
    expect(upstream.requests[0]!.body.model).toBe('llama-3.1-8b-instant');
    expect((res.usage as UsageWithCost).cost).toBe(0);
    const event = await usage.waitFor(requestId, before);
    expect(event).toMatchObject({ userId: alice.userId, provider: 'groq', costMicros: 0n });
    expect(event.usage!.inputTokens).toBeGreaterThan(0);

    const err = await sdk(bob.key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(503);
  });

  it('a key for a provider the gateway has one for replaces the gateway key, in every API format', async () => {
    expect((await api(alice.key, 'PUT', '/user/provider-keys/openai', { api_key: OPENAI_KEY })).status).toBe(201);
    await sdk(alice.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'x' }] });
    const messages = await api(alice.key, 'POST', '/v1/messages', { model: 'openai/gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'y' }] });
    expect(messages.status).toBe(200);
    await sdk(bob.key).chat.completions.create({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'z' }] });
    expect(upstream.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${OPENAI_KEY}`, `Bearer ${OPENAI_KEY}`, 'Bearer sk-gateway-openai']);
  });

  it('a key the provider refuses: the error says it is the user’s key', async () => {
    upstream.enqueue({ kind: 'status', status: 401, message: 'Invalid API Key' });
    const err = await sdk(alice.key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(502);
    expect((err as ApiError).message).toContain('refused your own key (401)');
    expect((err as ApiError).message).toContain('PUT /user/provider-keys/groq');
    expect((err as ApiError).message).not.toContain(GROQ_KEY);
  });

  it('DELETE removes it at once: the provider is out of reach again', async () => {
    const del = await api(alice.key, 'DELETE', '/user/provider-keys/groq');
    expect(await del.json()).toEqual({ object: 'provider_key', provider: 'groq', deleted: true });
    expect((await api(alice.key, 'GET', '/user/provider-keys/groq')).status).toBe(404);
    expect((await api(alice.key, 'DELETE', '/user/provider-keys/groq')).status).toBe(404);
    const err = await sdk(alice.key).chat.completions.create({ model: LLAMA, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
    expect((err as ApiError).status).toBe(503);
  });

  it('bad requests: unknown provider 404, bad body 400 naming api_key, no key 401', async () => {
    const unknown = await api(alice.key, 'PUT', '/user/provider-keys/nope', { api_key: 'abcdefghijkl' });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('Keys can be stored for: ');
    expect((await api(alice.key, 'PUT', '/user/provider-keys/sim', { api_key: 'abcdefghijkl' })).status).toBe(404);
    const short = await api(alice.key, 'PUT', '/user/provider-keys/groq', { api_key: 'abc' });
    expect(short.status).toBe(400);
    expect(await short.json()).toMatchObject({ error: { param: 'api_key', type: 'invalid_request_error' } });
    const extra = await api(alice.key, 'PUT', '/user/provider-keys/groq', { api_key: 'abcdefghijkl', base_url: 'http://evil' });
    expect(extra.status).toBe(400);
    expect((await fetch(`${stack.url}/user/provider-keys`)).status).toBe(401);
  });
});
