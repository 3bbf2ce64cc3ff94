import OpenAI from 'openai';
import { fakeOpenAI, type Behavior, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

const MODEL = 'openai/gpt-4o';
const USER = [{ role: 'user' as const, content: 'fail over please' }];

const keys = (o: object | null | undefined) => Object.keys(o ?? {}).sort();
const shapeOf = (c: OpenAI.Chat.Completions.ChatCompletion) => ({
  top: keys(c),
  choice: keys(c.choices[0]),
  message: keys(c.choices[0]?.message),
  usage: keys(c.usage),
});

interface OpenAIErrorShape {
  error: { message: string; type: string; param: string | null; code: string | null };
}

describe('failover between providers (openai → openrouter)', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let openrouter: FakeUpstream;
  let client: OpenAI;
  let key: string;
  /** The shape of an answer served by the first provider, to compare failed-over answers with. */
  let normalShape: { top: string[]; choice: string[]; message: string[]; usage: string[] };

  beforeAll(async () => {
    openai = await fakeOpenAI();
    openrouter = await fakeOpenAI();
    stack = await startStack({
      env: {
        OPENAI_API_KEY: 'sk-upstream-openai',
        OPENAI_BASE_URL: openai.url,
        OPENROUTER_API_KEY: 'sk-upstream-openrouter',
        OPENROUTER_BASE_URL: openrouter.url,
        UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '500',
      },
    });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
    normalShape = shapeOf(await client.chat.completions.create({ model: MODEL, messages: USER }));
  });

  afterAll(async () => {
    await stack.close();
    await openai.close();
    await openrouter.close();
  });

  beforeEach(() => {
    openai.reset();
    openrouter.reset();
  });

  /** A raw POST, to see the status, headers and body exactly as a client gets them. */
  const post = (body: object) =>
    fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  const failures: [string, Behavior][] = [
    ['503', { kind: 'status', status: 503 }],
    ['500', { kind: 'status', status: 500 }],
    ['502', { kind: 'status', status: 502 }],
    ['504', { kind: 'status', status: 504 }],
    ['401', { kind: 'status', status: 401, message: 'Incorrect API key provided: sk-upstream-openai' }],
    ['402', { kind: 'status', status: 402, message: 'Insufficient upstream credits' }],
    ['403', { kind: 'status', status: 403 }],
    ['404', { kind: 'status', status: 404 }],
    ['408', { kind: 'status', status: 408 }],
    ['a connection reset', { kind: 'reset' }],
    ['a hang past the first-byte timeout', { kind: 'hang' }],
  ];

  it.each(failures)('openai answering %s → served by openrouter, transparently', async (_name, behavior) => {
    openai.enqueue(behavior);
    const { data, response } = await client.chat.completions.create({ model: MODEL, messages: USER }).withResponse();

    expect(response.status).toBe(200);
    expect(data.object).toBe('chat.completion');
    expect(data.model).toBe(MODEL);
    expect(data.choices[0]!.message.content).toBe('Echo: fail over please');
    expect(data.choices[0]!.finish_reason).toBe('stop');
    expect(data.usage?.total_tokens).toBeGreaterThan(0);
    expect(shapeOf(data)).toEqual(normalShape);
    expect(openai.requests).toHaveLength(1);
    expect(openrouter.requests).toHaveLength(1);
    expect(openrouter.requests[0]!.body.model).toBe('openai/gpt-4o');
    expect(openrouter.requests[0]!.headers.authorization).toBe('Bearer sk-upstream-openrouter');
    // Nothing of the failed attempt leaks into the answer (e.g. the upstream's key in a 401 message).
    expect(JSON.stringify(data)).not.toContain('sk-upstream-openai');
  });

  it('fails over before the first byte of a stream too: the client sees one clean stream', async () => {
    openai.enqueue({ kind: 'status', status: 503 });
    const stream = await client.chat.completions.create({ model: MODEL, messages: USER, stream: true });
    let text = '';
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      finish = chunk.choices[0]?.finish_reason ?? finish;
      expect(chunk.model).toBe(MODEL);
    }
    expect(text).toBe('Echo: fail over please');
    expect(finish).toBe('stop');
    expect(openrouter.requests).toHaveLength(1);
  });

  it('429 with retry-after: 1, then success on the same provider (openrouter untouched)', async () => {
    openai.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const res = await client.chat.completions.create({ model: MODEL, messages: USER });
    const elapsed = Date.now() - started;

    expect(res.choices[0]!.message.content).toBe('Echo: fail over please');
    expect(openai.requests).toHaveLength(2);
    expect(openrouter.requests).toHaveLength(0);
    expect(elapsed).toBeGreaterThanOrEqual(950);
    expect(elapsed).toBeLessThan(5_000);
  });

  it('429 every time: retried on the same provider (RATE_LIMIT_RETRIES=2), then openrouter serves', async () => {
    openai.setDefault({ kind: 'status', status: 429 });
    const res = await client.chat.completions.create({ model: MODEL, messages: USER });

    expect(res.choices[0]!.message.content).toBe('Echo: fail over please');
    expect(openai.requests).toHaveLength(3);
    expect(openrouter.requests).toHaveLength(1);
  });

  it('429 without Retry-After: retried after a short full-jitter backoff, same provider', async () => {
    openai.enqueue({ kind: 'status', status: 429 }, { kind: 'status', status: 429 });
    const started = Date.now();
    const res = await client.chat.completions.create({ model: MODEL, messages: USER });
    expect(res.choices[0]!.message.content).toBe('Echo: fail over please');
    expect(openai.requests).toHaveLength(3);
    expect(openrouter.requests).toHaveLength(0);
    // Full jitter under 250 ms then 500 ms ceilings.
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('429 with a Retry-After longer than RATE_LIMIT_MAX_WAIT_MS: no wait, the next provider at once', async () => {
    openai.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '30' } });
    const started = Date.now();
    const res = await client.chat.completions.create({ model: MODEL, messages: USER });
    expect(res.choices[0]!.message.content).toBe('Echo: fail over please');
    expect(openai.requests).toHaveLength(1);
    expect(openrouter.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('a slow first byte within the first-byte timeout is waited for, not failed over', async () => {
    openai.enqueue({ kind: 'reply', firstByteDelayMs: 250 });
    const res = await client.chat.completions.create({ model: MODEL, messages: USER });
    expect(res.choices[0]!.message.content).toBe('Echo: fail over please');
    expect(openai.requests).toHaveLength(1);
    expect(openrouter.requests).toHaveLength(0);
  });

  it('every provider failing with 5xx → 502 in the OpenAI error shape', async () => {
    openai.setDefault({ kind: 'status', status: 503 });
    openrouter.setDefault({ kind: 'status', status: 500 });
    const res = await post({ model: MODEL, messages: USER });

    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as OpenAIErrorShape;
    expect(Object.keys(body)).toEqual(['error']);
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message.length).toBeGreaterThan(0);
    expect(typeof body.error.type).toBe('string');
    expect(body.error).toHaveProperty('param');
    expect(typeof body.error.code).toBe('string');
    expect(openai.requests).toHaveLength(1);
    expect(openrouter.requests).toHaveLength(1);

    // The SDK sees it as an InternalServerError (5xx).
    const err: unknown = await client.chat.completions.create({ model: MODEL, messages: USER }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('every provider answering 429 → 429 with a retry-after header, in the OpenAI error shape', async () => {
    openai.setDefault({ kind: 'status', status: 429 });
    openrouter.setDefault({ kind: 'status', status: 429 });
    const res = await post({ model: MODEL, messages: USER });

    expect(res.status).toBe(429);
    const retryAfter = res.headers.get('retry-after');
    expect(retryAfter).toMatch(/^\d+$/);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    const body = (await res.json()) as OpenAIErrorShape;
    expect(body.error.code).toBe('upstream_rate_limited');
    expect(typeof body.error.message).toBe('string');
    expect(typeof body.error.type).toBe('string');
    expect(body.error).toHaveProperty('param');
    // 1 + RATE_LIMIT_RETRIES attempts on each provider.
    expect(openai.requests).toHaveLength(3);
    expect(openrouter.requests).toHaveLength(3);
  });

  it('never fails over on a 400, streaming or not', async () => {
    openai.setDefault({ kind: 'status', status: 400, message: "'messages' must not be empty.", param: 'messages' });
    const err: unknown = await client.chat.completions.create({ model: MODEL, messages: USER }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as InstanceType<typeof OpenAI.APIError>).param).toBe('messages');

    const res = await post({ model: MODEL, messages: USER, stream: true });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as OpenAIErrorShape;
    expect(body.error.message).toBe("'messages' must not be empty.");
    expect(body.error.param).toBe('messages');

    expect(openai.requests).toHaveLength(2);
    expect(openrouter.requests).toHaveLength(0);
  });
});
