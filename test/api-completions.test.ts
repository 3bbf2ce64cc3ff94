import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/** POST /v1/completions (legacy text completions) on chat models, driven by the openai SDK. */
type UsageWithCost = OpenAI.CompletionUsage & { cost?: number };

describe('/v1/completions (openai SDK)', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-gateway-openai', OPENAI_BASE_URL: upstream.url } });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
  });

  beforeEach(() => upstream.reset());

  it('completions.create: a text_completion with the text, finish_reason and usage with cost', async () => {
    const res = await client.completions.create({ model: 'sim/echo', prompt: 'say these five words', max_tokens: 50 });
    expect(res.object).toBe('text_completion');
    expect(res.id).toMatch(/^cmpl-/);
    expect(res.model).toBe('sim/echo');
    expect(res.choices).toEqual([{ text: 'say these five words', index: 0, logprobs: null, finish_reason: 'stop' }]);
    const usage = res.usage as UsageWithCost;
    expect(usage.completion_tokens).toBe(4);
    expect(usage.total_tokens).toBe(usage.prompt_tokens + 4);
    expect(usage.cost).toBeGreaterThan(0);
  });

  it('max_tokens defaults to 16, as OpenAI documents for this endpoint', async () => {
    const prompt = Array.from({ length: 20 }, (_, i) => `w${i}`).join(' ');
    const res = await client.completions.create({ model: 'sim/echo', prompt });
    expect(res.choices[0]!.text.split(' ')).toHaveLength(16);
    expect(res.choices[0]!.finish_reason).toBe('length');
  });

  it('echo prepends the prompt; n gives several choices', async () => {
    const res = await client.completions.create({ model: 'sim/echo', prompt: 'ping pong', echo: true, n: 2, max_tokens: 10 });
    expect(res.choices.map((c) => [c.index, c.text])).toEqual([
      [0, 'ping pongping pong'],
      [1, 'ping pongping pong'],
    ]);
  });

  it('stream: text chunks, a final usage chunk (include_usage), [DONE]', async () => {
    const stream = await client.completions.create({ model: 'sim/echo', prompt: 'stream me four words', max_tokens: 20, stream: true, stream_options: { include_usage: true } });
    const chunks: OpenAI.Completion[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.every((c) => c.object === 'text_completion' && c.model === 'sim/echo')).toBe(true);
    expect(chunks.map((c) => c.choices[0]?.text ?? '').join('')).toBe('stream me four words');
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect((last.usage as UsageWithCost).completion_tokens).toBe(4);
  });

  it('stream with echo: the prompt comes first', async () => {
    const stream = await client.completions.create({ model: 'sim/echo', prompt: 'abc def', echo: true, max_tokens: 10, stream: true });
    const texts: string[] = [];
    for await (const c of stream) texts.push(c.choices[0]?.text ?? '');
    expect(texts[0]).toBe('abc def');
    expect(texts.join('')).toBe('abc defabc def');
  });

  it('to an OpenAI upstream: the prompt as one user message; logprobs asked as chat logprobs', async () => {
    const res = await client.completions.create({ model: 'openai/gpt-4o-mini', prompt: 'Once upon a time', max_tokens: 30, logprobs: 2, temperature: 0.5, stop: ['\n'] });
    const up = upstream.requests[0]!;
    expect(up.path).toBe('/chat/completions');
    expect(up.body).toMatchObject({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Once upon a time' }],
      max_completion_tokens: 30,
      logprobs: true,
      top_logprobs: 2,
      temperature: 0.5,
      stop: ['\n'],
    });
    expect(res.choices[0]!.text).toBe('Echo: Once upon a time');
    // The upstream's chat logprobs, folded into the legacy shape: tokens with their offsets in
    // the text, and each token's top alternatives as a token → logprob map.
    const words = ['Echo: ', 'Once ', 'upon ', 'a ', 'time'];
    expect(res.choices[0]!.logprobs).toEqual({
      tokens: words,
      token_logprobs: words.map((_, i) => -0.01 * (i + 1)),
      top_logprobs: words.map((w, i) => ({ [w]: -0.01 * (i + 1), [`${w.trim()}_1`]: -0.01 * (i + 1) - 1 })),
      text_offset: [0, 6, 11, 16, 18],
    });
  });

  it('what a chat model cannot honour is a 400 naming the parameter', async () => {
    const several = await client.completions.create({ model: 'sim/echo', prompt: ['a', 'b'] }).catch((e: unknown) => e);
    expect(several).toBeInstanceOf(OpenAI.BadRequestError);
    expect((several as InstanceType<typeof OpenAI.APIError>).param).toBe('prompt');
    const suffix = await client.completions.create({ model: 'sim/echo', prompt: 'a', suffix: 'z' }).catch((e: unknown) => e);
    expect((suffix as InstanceType<typeof OpenAI.APIError>).param).toBe('suffix');
    const bestOf = await client.completions.create({ model: 'sim/echo', prompt: 'a', best_of: 3 }).catch((e: unknown) => e);
    expect((bestOf as InstanceType<typeof OpenAI.APIError>).param).toBe('best_of');
    const tokens = await fetch(`${stack.baseURL}/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'sim/echo', prompt: [1, 2, 3] }),
    });
    expect(tokens.status).toBe(400);
    expect(((await tokens.json()) as { error: { message: string } }).error.message).toContain('token-id prompts are not supported');
  });

  it('a stream failing midway ends with an error the SDK raises', async () => {
    upstream.enqueue({ kind: 'stream-error', afterChunks: 3, message: 'went away' });
    const stream = await client.completions.create({ model: 'openai/gpt-4o-mini', prompt: 'x', stream: true });
    const texts: string[] = [];
    const err = await (async () => {
      for await (const c of stream) texts.push(c.choices[0]?.text ?? '');
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(texts.join('')).toBe('one two ');
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect((err as Error).message).toContain('went away');
  });
});
