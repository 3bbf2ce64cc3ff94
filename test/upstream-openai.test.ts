import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/** The gateway adds `cost` (US dollars) to OpenAI's usage object. */
type UsageWithCost = OpenAI.CompletionUsage & { cost?: unknown };

const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  {
    type: 'function',
    function: {
      name: 'get_weather',
      description: 'Current weather in a city',
      parameters: { type: 'object', properties: { city: { type: 'string' }, unit: { type: 'string' } }, required: ['city'] },
    },
  },
];

const TWO_CALLS = [
  { id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris","unit":"celsius"}' },
  { id: 'call_tokyo', name: 'get_weather', arguments: '{"city":"Tokyo","unit":"fahrenheit"}' },
];

describe('OpenAI upstream through the gateway (OpenAI SDK)', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let openrouter: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    openai = await fakeOpenAI();
    openrouter = await fakeOpenAI();
    stack = await startStack({
      env: {
        OPENAI_API_KEY: 'sk-upstream-openai',
        OPENAI_BASE_URL: openai.url,
        OPENROUTER_API_KEY: 'sk-upstream-openrouter',
        OPENROUTER_BASE_URL: openrouter.url,
      },
    });
    const { key } = await stack.createKey();
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
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

  it('non-stream: content, usage with cost, canonical model; upstream got native id and the upstream key', async () => {
    const res = await client.chat.completions.create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hello there' }] });

    expect(res.model).toBe('openai/gpt-4o');
    expect(res.object).toBe('chat.completion');
    expect(res.choices).toHaveLength(1);
    expect(res.choices[0]!.message.role).toBe('assistant');
    expect(res.choices[0]!.message.content).toBe('Echo: hello there');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // The fake counts words: prompt = 2 + 8, completion = 3.
    const usage = res.usage as UsageWithCost;
    expect(usage.prompt_tokens).toBe(10);
    expect(usage.completion_tokens).toBe(3);
    expect(usage.total_tokens).toBe(13);
    expect(typeof usage.cost).toBe('number');
    expect(usage.cost as number).toBeGreaterThan(0);

    expect(openai.requests).toHaveLength(1);
    const up = openai.requests[0]!;
    expect(up.method).toBe('POST');
    expect(up.path).toBe('/chat/completions');
    expect(up.body.model).toBe('gpt-4o');
    expect(up.headers.authorization).toBe('Bearer sk-upstream-openai');
    expect(up.body).not.toHaveProperty('stream');
    expect(openrouter.requests).toHaveLength(0);
  });

  it('stream without include_usage: upstream is asked for usage anyway, the client gets no usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'stream these words please' }],
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: stream these words please');
    expect(chunks.every((c) => c.model === 'openai/gpt-4o')).toBe(true);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk')).toBe(true);
    expect(chunks.every((c) => c.usage === undefined || c.usage === null)).toBe(true);
    expect(chunks.every((c) => c.choices.length > 0)).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');

    const up = openai.requests[0]!;
    expect(up.body.model).toBe('gpt-4o');
    expect(up.body.stream).toBe(true);
    expect(up.body.stream_options).toEqual({ include_usage: true });
    expect(up.headers.authorization).toBe('Bearer sk-upstream-openai');
  });

  it('stream with include_usage: a final usage chunk with prompt/completion/total and cost', async () => {
    const stream = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'count me in' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of stream) chunks.push(chunk);

    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('Echo: count me in');
    const withUsage = chunks.filter((c) => c.usage);
    expect(withUsage).toHaveLength(1);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    const usage = last.usage as UsageWithCost;
    expect(usage.prompt_tokens).toBe(11);
    expect(usage.completion_tokens).toBe(4);
    expect(usage.total_tokens).toBe(15);
    expect(typeof usage.cost).toBe('number');
    expect(usage.cost as number).toBeGreaterThan(0);
    expect(last.model).toBe('openai/gpt-4o');
  });

  it('streams two parallel tool calls with stable indexes; arguments reassemble to valid JSON', async () => {
    openai.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
    const runner = client.chat.completions.stream({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'weather in Paris and Tokyo?' }],
      tools: TOOLS,
    });
    const deltas: { index: number; id?: string; name?: string; args?: string }[] = [];
    for await (const chunk of runner) {
      for (const tc of chunk.choices[0]?.delta.tool_calls ?? []) {
        deltas.push({ index: tc.index, id: tc.id, name: tc.function?.name, args: tc.function?.arguments });
      }
    }
    const final = await runner.finalChatCompletion();

    // Each call is opened once (id + name) under its own index, then its arguments follow under that index.
    expect(deltas.filter((d) => d.id !== undefined)).toEqual([
      { index: 0, id: 'call_paris', name: 'get_weather', args: '' },
      { index: 1, id: 'call_tokyo', name: 'get_weather', args: '' },
    ]);
    expect(new Set(deltas.map((d) => d.index))).toEqual(new Set([0, 1]));
    for (const index of [0, 1]) {
      const args = deltas.filter((d) => d.index === index).map((d) => d.args ?? '').join('');
      expect(JSON.parse(args)).toEqual(JSON.parse(TWO_CALLS[index]!.arguments));
    }

    const choice = final.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    const calls = (choice.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
    expect(calls.map((c) => [c.id, c.function.name])).toEqual([
      ['call_paris', 'get_weather'],
      ['call_tokyo', 'get_weather'],
    ]);
    expect(calls.map((c) => JSON.parse(c.function.arguments) as unknown)).toEqual([
      { city: 'Paris', unit: 'celsius' },
      { city: 'Tokyo', unit: 'fahrenheit' },
    ]);
    expect(openai.requests[0]!.body.tools).toEqual(TOOLS);
  });

  it('non-stream tool calls come back as message.tool_calls', async () => {
    openai.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
    const res = await client.chat.completions.create({
      model: 'openai/gpt-4o',
      messages: [{ role: 'user', content: 'weather in Paris and Tokyo?' }],
      tools: TOOLS,
      tool_choice: 'auto',
    });
    const choice = res.choices[0]!;
    expect(choice.finish_reason).toBe('tool_calls');
    expect(choice.message.content).toBeNull();
    const calls = (choice.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => ({ id: c.id, type: c.type, name: c.function.name, args: JSON.parse(c.function.arguments) as unknown }))).toEqual([
      { id: 'call_paris', type: 'function', name: 'get_weather', args: { city: 'Paris', unit: 'celsius' } },
      { id: 'call_tokyo', type: 'function', name: 'get_weather', args: { city: 'Tokyo', unit: 'fahrenheit' } },
    ]);
    expect(openai.requests[0]!.body.tool_choice).toBe('auto');
  });

  it('a 400 from the upstream reaches the client as a 400 with its message and param, without failover', async () => {
    openai.enqueue({ kind: 'status', status: 400, message: "Invalid value for 'temperature': must be at most 2.", param: 'temperature' });
    const err: unknown = await client.chat.completions
      .create({ model: 'openai/gpt-4o', messages: [{ role: 'user', content: 'hi' }], temperature: 1.5 })
      .then(() => undefined, (e: unknown) => e);

    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    const e = err as InstanceType<typeof OpenAI.BadRequestError>;
    expect(e.status).toBe(400);
    expect(e.message).toContain("Invalid value for 'temperature': must be at most 2.");
    expect(e.param).toBe('temperature');
    expect(openai.requests).toHaveLength(1);
    expect(openrouter.requests).toHaveLength(0);
  });
});

describe('a model whose providers have no key configured', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    openai = await fakeOpenAI();
    // Only OpenAI has a key: Anthropic's model (anthropic, then openrouter) has no provider.
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-upstream-openai', OPENAI_BASE_URL: openai.url } });
    const { key } = await stack.createKey();
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await openai.close();
  });

  it('answers 503 no_provider_available', async () => {
    const err: unknown = await client.chat.completions
      .create({ model: 'anthropic/claude-3-5-haiku', messages: [{ role: 'user', content: 'hi' }] })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    const e = err as InstanceType<typeof OpenAI.APIError>;
    expect(e.status).toBe(503);
    expect(e.code).toBe('no_provider_available');
    expect(e.message).toContain('anthropic/claude-3-5-haiku');
    expect(openai.requests).toHaveLength(0);
  });
});
