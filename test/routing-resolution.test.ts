import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/**
 * Resolution (aliases, variants, provider detection) and request-level routing: the `provider`
 * preferences and the `models` fallback list, end to end through the API against fake upstreams.
 */
const USER = [{ role: 'user' as const, content: 'route me' }];
const SLUGS = ['openai', 'openrouter', 'groq', 'together', 'deepseek'] as const;
type Slug = (typeof SLUGS)[number];

interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('model resolution and routing preferences', () => {
  let stack: TestStack;
  let client: OpenAI;
  let key: string;
  const fakes = {} as Record<Slug, FakeUpstream>;

  beforeAll(async () => {
    const env: Record<string, string> = { GATEWAYZ_NAMESPACE: `${process.env.GATEWAYZ_NAMESPACE}:resolution` };
    for (const slug of SLUGS) {
      fakes[slug] = await fakeOpenAI();
      env[`${slug.toUpperCase()}_API_KEY`] = `sk-${slug}`;
      env[`${slug.toUpperCase()}_BASE_URL`] = fakes[slug].url;
    }
    stack = await startStack({ env });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    for (const f of Object.values(fakes)) await f.close();
  });

  beforeEach(() => {
    for (const f of Object.values(fakes)) f.reset();
  });

  const post = (body: object) =>
    fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: USER, ...body }),
    });
  /** Which fakes got requests (in arrival order), and under which native model id. */
  const servedBy = () =>
    SLUGS.flatMap((s) => fakes[s].requests.map((r) => ({ provider: s, model: String(r.body.model), at: r.at })))
      .sort((a, b) => a.at - b.at)
      .map(({ provider, model }) => ({ provider, model }));

  it('resolves aliases to canonical ids and providers\' native ids (AC-2.1.1, AC-2.1.2)', async () => {
    const a = await client.chat.completions.create({ model: 'gpt-4o', messages: USER });
    expect(a.model).toBe('openai/gpt-4o');
    const b = await client.chat.completions.create({ model: 'r1', messages: USER });
    expect(b.model).toBe('deepseek/deepseek-r1');
    expect(servedBy()).toEqual([
      { provider: 'openai', model: 'gpt-4o' },
      { provider: 'deepseek', model: 'deepseek-reasoner' },
    ]);
  });

  it('passes canonical ids through and answers 404 model_not_found for unknown models (AC-2.1.3, AC-2.1.7)', async () => {
    expect((await client.chat.completions.create({ model: 'openai/gpt-4o-mini', messages: USER })).model).toBe('openai/gpt-4o-mini');
    const res = await post({ model: 'nonexistent/model' });
    expect(res.status).toBe(404);
    const body = (await res.json()) as ErrorBody;
    expect(body.error).toMatchObject({ code: 'model_not_found', param: 'model', type: 'not_found_error' });
  });

  it('detects the provider of a provider-native id and tries it first', async () => {
    const r = await client.chat.completions.create({ model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo', messages: USER });
    expect(r.model).toBe('meta-llama/llama-3.3-70b-instruct');
    expect(servedBy()).toEqual([{ provider: 'together', model: 'meta-llama/Llama-3.3-70B-Instruct-Turbo' }]);
  });

  it(':free serves the free variant at no cost; a model without one is 404', async () => {
    const r = await client.chat.completions.create({ model: 'llama-3.3-70b:free', messages: USER });
    expect(r.model).toBe('meta-llama/llama-3.3-70b-instruct:free');
    expect(servedBy()).toEqual([{ provider: 'openrouter', model: 'meta-llama/llama-3.3-70b-instruct:free' }]);
    expect((r.usage as unknown as { cost: number }).cost).toBe(0);
    const res = await post({ model: 'gpt-4o:free' });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error.message).toMatch(/no free variant/);
  });

  it(':floor tries the cheapest provider first; the plain id follows provider priority', async () => {
    await client.chat.completions.create({ model: 'meta-llama/llama-3.3-70b-instruct', messages: USER });
    await client.chat.completions.create({ model: 'meta-llama/llama-3.3-70b-instruct:floor', messages: USER });
    expect(servedBy().map((s) => s.provider)).toEqual(['groq', 'openrouter']);
  });

  it('provider.order, only and ignore choose who is tried, and in which order', async () => {
    fakes.openrouter.enqueue({ kind: 'status', status: 503 });
    await post({ model: 'meta-llama/llama-3.3-70b-instruct', provider: { order: ['openrouter', 'together'] } });
    expect(servedBy().map((s) => s.provider)).toEqual(['openrouter', 'together']);
    for (const f of Object.values(fakes)) f.reset();
    expect((await post({ model: 'meta-llama/llama-3.3-70b-instruct', provider: { only: ['together'] } })).status).toBe(200);
    expect((await post({ model: 'meta-llama/llama-3.3-70b-instruct', provider: { ignore: ['groq', 'together'] } })).status).toBe(200);
    expect(servedBy().map((s) => s.provider)).toEqual(['together', 'openrouter']);
  });

  it('allow_fallbacks: false keeps to the chosen providers: their failure is the answer', async () => {
    fakes.openrouter.setDefault({ kind: 'status', status: 503 });
    const res = await post({ model: 'meta-llama/llama-3.3-70b-instruct', provider: { order: ['openrouter'], allow_fallbacks: false } });
    expect(res.status).toBe(502);
    expect(servedBy().map((s) => s.provider)).toEqual(['openrouter']);
  });

  it('preferences no provider can satisfy are a 400 naming provider', async () => {
    for (const provider of [{ only: ['groq'] }, { max_price: { prompt: 1 } }]) {
      const res = await post({ model: 'openai/gpt-4o', provider });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'no_matching_provider', param: 'provider' });
    }
    expect(servedBy()).toEqual([]);
  });

  it('max_price and require_parameters filter providers', async () => {
    expect((await post({ model: 'meta-llama/llama-3.3-70b-instruct', provider: { max_price: { prompt: '0.2', completion: 0.5 } } })).status).toBe(200);
    // Groq does not do logprobs: with require_parameters it is left out.
    expect((await post({ model: 'meta-llama/llama-3.3-70b-instruct', logprobs: true, provider: { require_parameters: true } })).status).toBe(200);
    expect(servedBy().map((s) => s.provider)).toEqual(['openrouter', 'together']);
  });

  it('rejects malformed preferences with a 400 naming the field (unknown keys are not ignored)', async () => {
    const cases: [object, string][] = [
      [{ provider: { sort: 'fastest' } }, 'provider.sort'],
      [{ provider: { data_collection: 'deny' } }, 'provider'],
      [{ provider: { order: ['Not A Slug'] } }, 'provider.order[0]'],
      [{ models: 'openai/gpt-4o' }, 'models'],
    ];
    for (const [body, param] of cases) {
      const res = await post({ model: 'openai/gpt-4o', ...body });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ErrorBody).error.param).toBe(param);
    }
  });

  it('never sends the gateway-only parameters upstream', async () => {
    await post({ model: 'meta-llama/llama-3.3-70b-instruct', provider: { sort: 'price' }, models: ['openai/gpt-4o'] });
    const [request] = SLUGS.flatMap((s) => fakes[s].requests);
    expect(request!.body).not.toHaveProperty('provider');
    expect(request!.body).not.toHaveProperty('models');
  });

  it('models: falls back to the next model when every provider of the first fails, and prices the route that served', async () => {
    fakes.openai.setDefault({ kind: 'status', status: 503 });
    fakes.openrouter.setDefault({ kind: 'status', status: 500 });
    fakes.groq.setDefault({ kind: 'reply', usage: { prompt: 1_000, completion: 1_000 } });
    const { data, response } = await client.chat.completions
      .create({ model: 'openai/gpt-4o', messages: USER, models: ['llama-3.3-70b'] } as OpenAI.Chat.ChatCompletionCreateParamsNonStreaming)
      .withResponse();
    expect(response.status).toBe(200);
    expect(data.model).toBe('meta-llama/llama-3.3-70b-instruct');
    expect(servedBy()).toEqual([
      { provider: 'openai', model: 'gpt-4o' },
      { provider: 'openrouter', model: 'openai/gpt-4o' },
      { provider: 'groq', model: 'llama-3.3-70b-versatile' },
    ]);
    // Groq's llama price ($0.59 + $0.79 per million), not gpt-4o's: 1,000 tokens each way.
    expect((data.usage as unknown as { cost: number }).cost).toBe(0.00138);
  });

  it('models: an unknown fallback is a 404 naming it', async () => {
    const res = await post({ model: 'openai/gpt-4o', models: ['gpt-4o-mini', 'no/such-model'] });
    expect(res.status).toBe(404);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ code: 'model_not_found', param: 'models[1]' });
  });
});
