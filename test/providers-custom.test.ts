import { randomBytes } from 'node:crypto';
import OpenAI from 'openai';
import { Fernet } from '@gatewayz/crypto';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { collect } from './support/provider-scenarios';

/**
 * An admin registers a custom OpenAI-compatible provider at run time (POST /admin/providers):
 * it lands in the catalog tables, its key encrypted at rest, and — after catalog.updated —
 * routing serves its models and provider-proxy calls it with the decrypted key.
 */
const suffix = randomBytes(4).toString('hex');
const SLUG = `acme-${suffix}`;
const MODEL = `acme-${suffix}/tiny-1`;
const UPSTREAM_KEY = `sk-acme-${randomBytes(8).toString('hex')}`;

describe('custom providers registered by an admin', () => {
  let stack: TestStack;
  let acme: FakeUpstream;
  let admin: string;
  let user: string;
  let client: OpenAI;

  beforeAll(async () => {
    acme = await fakeOpenAI();
    stack = await startStack({ env: { RESOLVE_CACHE_TTL_MS: '0' } });
    ({ key: admin } = await stack.createKey({ role: 'admin' }));
    ({ key: user } = await stack.createKey());
    client = new OpenAI({ apiKey: user, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.prisma.provider.deleteMany({ where: { slug: SLUG } });
    await stack.prisma.model.deleteMany({ where: { id: MODEL } });
    await stack.close();
    await acme.close();
  });

  const call = (method: string, path: string, key: string, body?: object) =>
    fetch(`${stack.url}/admin/providers${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });

  const registration = () => ({
    slug: SLUG,
    name: 'Acme Inference',
    base_url: acme.url,
    api_key: UPSTREAM_KEY,
    models: [{ id: MODEL, native_id: 'tiny-1-instruct', context_length: 32768, max_output_tokens: 4096, prompt: '0.20', completion: '0.40' }],
  });

  /** catalog.updated reaches routing asynchronously: wait until the model resolves. */
  async function servable(id: string): Promise<boolean> {
    for (let i = 0; i < 50; i++) {
      const res = await fetch(`${stack.baseURL}/models/${id}`);
      if (res.status === 200) return true;
      await new Promise((r) => setTimeout(r, 100));
    }
    return false;
  }

  it('refuses non-admins (403) and anonymous callers (401)', async () => {
    expect((await call('POST', '', user, registration())).status).toBe(403);
    expect((await fetch(`${stack.url}/admin/providers`, { method: 'POST' })).status).toBe(401);
  });

  it('validates the body, naming the parameter', async () => {
    const res = await call('POST', '', admin, { ...registration(), base_url: 'ftp://nope' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { param: string } }).error.param).toBe('base_url');
    const free = await call('POST', '', admin, { ...registration(), models: [{ ...registration().models[0], prompt: '0' }] });
    expect(free.status).toBe(400);
    const newModel = await call('POST', '', admin, { ...registration(), models: [{ id: MODEL, native_id: 'x', prompt: '1', completion: '1' }] });
    expect(((await newModel.json()) as { error: { param: string } }).error.param).toBe('models[0].context_length');
  });

  it('refuses to take over a built-in provider (409)', async () => {
    expect((await call('POST', '', admin, { ...registration(), slug: 'openai' })).status).toBe(409);
  });

  it('registers the provider: the key is encrypted at rest and never returned; its model is served with the key', async () => {
    const res = await call('POST', '', admin, registration());
    expect(res.status).toBe(201);
    const view = (await res.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ slug: SLUG, adapter: 'openai-compatible', base_url: acme.url, has_api_key: true, models: [{ id: MODEL, native_id: 'tiny-1-instruct', prompt: '0.2', completion: '0.4' }] });
    expect(JSON.stringify(view)).not.toContain(UPSTREAM_KEY);

    const row = await stack.prisma.providerCredential.findUniqueOrThrow({ where: { providerSlug: SLUG } });
    expect(row.apiKeyEncrypted).not.toContain(UPSTREAM_KEY);
    expect(new Fernet(stack.env.API_KEY_ENCRYPTION_KEYS!.split(',')).decrypt(row.apiKeyEncrypted!)).toBe(UPSTREAM_KEY);

    expect(await servable(MODEL)).toBe(true);
    const out = await collect(await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello acme' }], stream: true, stream_options: { include_usage: true } }));
    expect(out.content).toBe('Echo: hello acme');
    expect(out.usage!.cost).toBeGreaterThan(0);
    const up = acme.requests.at(-1)!;
    expect(up.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
    expect(up.body.model).toBe('tiny-1-instruct');

    const list = (await (await call('GET', '', admin)).json()) as { data: { slug: string; has_api_key: boolean }[] };
    expect(list.data.find((p) => p.slug === SLUG)).toMatchObject({ has_api_key: true });
    expect(JSON.stringify(list)).not.toContain(UPSTREAM_KEY);
  });

  it('re-registering replaces it (200); removing it takes its model out of service', async () => {
    const res = await call('POST', '', admin, { ...registration(), name: 'Acme v2', api_key: undefined });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ name: 'Acme v2', has_api_key: false });

    expect((await call('DELETE', `/${SLUG}`, admin)).status).toBe(200);
    expect((await call('DELETE', `/${SLUG}`, admin)).status).toBe(404);
    let gone = false;
    for (let i = 0; i < 50 && !gone; i++) {
      gone = (await fetch(`${stack.baseURL}/models/${MODEL}`)).status === 404;
      if (!gone) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gone).toBe(true);
  });
});
