import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { fakeAnthropic, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

type UsageWithCost = OpenAI.CompletionUsage & { cost?: unknown };
type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;

const MODEL = 'anthropic/claude-3-5-haiku';
const TOOL_CALLS = [
  { id: 'toolu_01', name: 'get_weather', arguments: '{"city":"Paris","days":3}' },
  { id: 'toolu_02', name: 'get_time', arguments: '{"zone":"Asia/Tokyo"}' },
];
const WEATHER_SCHEMA = { type: 'object', properties: { city: { type: 'string' }, days: { type: 'integer' } } };
const TIME_SCHEMA = { type: 'object', properties: { zone: { type: 'string' } } };
const TOOLS: OpenAI.Chat.Completions.ChatCompletionTool[] = [
  { type: 'function', function: { name: 'get_weather', parameters: WEATHER_SCHEMA } },
  { type: 'function', function: { name: 'get_time', parameters: TIME_SCHEMA } },
];

async function collect(stream: AsyncIterable<Chunk>): Promise<{ chunks: Chunk[]; error: unknown }> {
  const chunks: Chunk[] = [];
  try {
    for await (const c of stream) chunks.push(c);
  } catch (error) {
    return { chunks, error };
  }
  return { chunks, error: undefined };
}

const textOf = (chunks: Chunk[]) => chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');

describe('Anthropic upstream through the gateway (OpenAI SDK as client)', () => {
  let stack: TestStack;
  let anthropic: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    anthropic = await fakeAnthropic();
    stack = await startStack({ env: { ANTHROPIC_API_KEY: 'sk-ant-upstream', ANTHROPIC_BASE_URL: anthropic.url } });
    const { key } = await stack.createKey();
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await anthropic.close();
  });

  beforeEach(() => anthropic.reset());

  it('translates the request: /v1/messages, x-api-key, anthropic-version, native id, system split out', async () => {
    const res = await client.chat.completions.create({
      model: MODEL,
      messages: [
        { role: 'system', content: 'You are terse.' },
        { role: 'user', content: 'hi claude' },
      ],
    });

    expect(anthropic.requests).toHaveLength(1);
    const up = anthropic.requests[0]!;
    expect(up.method).toBe('POST');
    expect(up.path).toBe('/v1/messages');
    expect(up.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(up.headers['anthropic-version']).toBe('2023-06-01');
    expect(up.headers.authorization).toBeUndefined();
    expect(up.body.model).toBe('claude-3-5-haiku-20241022');
    expect(up.body.system).toBe('You are terse.');
    expect(up.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi claude' }] }]);
    expect(typeof up.body.max_tokens).toBe('number');
    expect(up.body).not.toHaveProperty('stream');

    expect(res.model).toBe(MODEL);
    expect(res.choices[0]!.message.content).toBe('Echo: hi claude');
    expect(res.choices[0]!.finish_reason).toBe('stop');
    // input_tokens 10 (2 words + 8), output_tokens 3 → OpenAI's usage shape, plus cost.
    const usage = res.usage as UsageWithCost;
    expect(usage.prompt_tokens).toBe(10);
    expect(usage.completion_tokens).toBe(3);
    expect(usage.total_tokens).toBe(13);
    expect(typeof usage.cost).toBe('number');
    expect(usage.cost as number).toBeGreaterThan(0);
  });

  it('streams text, with usage mapped from message_start/message_delta', async () => {
    const stream = await client.chat.completions.create({
      model: MODEL,
      messages: [{ role: 'user', content: 'stream a few words' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const { chunks, error } = await collect(stream);

    expect(error).toBeUndefined();
    expect(textOf(chunks)).toBe('Echo: stream a few words');
    expect(chunks.every((c) => c.model === MODEL)).toBe(true);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
    const usage = chunks.at(-1)!.usage as UsageWithCost;
    expect(usage.prompt_tokens).toBe(12);
    expect(usage.completion_tokens).toBe(5);
    expect(usage.total_tokens).toBe(17);
    expect(usage.cost as number).toBeGreaterThan(0);
    expect(anthropic.requests[0]!.body.stream).toBe(true);
    expect(anthropic.requests[0]!.body.model).toBe('claude-3-5-haiku-20241022');
  });

  it('streams tool calls built from input_json_delta, with stable indexes', async () => {
    anthropic.enqueue({ kind: 'reply', toolCalls: TOOL_CALLS });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'weather and time' }], tools: TOOLS, stream: true });
    const { chunks, error } = await collect(stream);

    expect(error).toBeUndefined();
    const deltas = chunks.flatMap((c) => c.choices[0]?.delta.tool_calls ?? []);
    expect(deltas.filter((d) => d.id).map((d) => [d.index, d.id, d.function?.name])).toEqual([
      [0, 'toolu_01', 'get_weather'],
      [1, 'toolu_02', 'get_time'],
    ]);
    for (const [index, call] of TOOL_CALLS.entries()) {
      const args = deltas
        .filter((d) => d.index === index)
        .map((d) => d.function?.arguments ?? '')
        .join('');
      expect(JSON.parse(args)).toEqual(JSON.parse(call.arguments));
    }
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'tool_calls')).toBe(true);
    expect(anthropic.requests[0]!.body.tools).toEqual([
      { name: 'get_weather', input_schema: WEATHER_SCHEMA },
      { name: 'get_time', input_schema: TIME_SCHEMA },
    ]);
  });

  it('non-stream tool_use blocks become tool_calls', async () => {
    anthropic.enqueue({ kind: 'reply', toolCalls: TOOL_CALLS });
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'weather and time' }], tools: TOOLS });
    const calls = (res.choices[0]!.message.tool_calls ?? []).flatMap((c) => (c.type === 'function' ? [c] : []));
    expect(res.choices[0]!.finish_reason).toBe('tool_calls');
    expect(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments) as unknown])).toEqual([
      ['toolu_01', 'get_weather', { city: 'Paris', days: 3 }],
      ['toolu_02', 'get_time', { zone: 'Asia/Tokyo' }],
    ]);
  });

  it('an in-stream error event makes the SDK throw after the partial content', async () => {
    // message_start, content_block_start, ping, then two text deltas of the fake's canned text: "one ", "two ".
    anthropic.enqueue({ kind: 'stream-error', afterChunks: 5, message: 'Overloaded' });
    const stream = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'anything' }], stream: true });
    const { chunks, error } = await collect(stream);

    expect(textOf(chunks)).toBe('one two ');
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect((error as Error).message).toContain('Overloaded');
  });
});

describe('the fake Anthropic upstream speaks the real wire format (Anthropic SDK)', () => {
  let fake: FakeUpstream;
  let sdk: Anthropic;

  beforeAll(async () => {
    fake = await fakeAnthropic();
    sdk = new Anthropic({ apiKey: 'x', baseURL: fake.url, maxRetries: 0 });
  });

  afterAll(() => fake.close());

  beforeEach(() => fake.reset());

  it('messages.create (non-stream)', async () => {
    const msg = await sdk.messages.create({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 100,
      system: 'Be brief.',
      messages: [{ role: 'user', content: 'hello anthropic' }],
    });
    expect(msg.type).toBe('message');
    expect(msg.role).toBe('assistant');
    expect(msg.model).toBe('claude-3-5-haiku-20241022');
    expect(msg.stop_reason).toBe('end_turn');
    expect(msg.content).toEqual([{ type: 'text', text: 'Echo: hello anthropic' }]);
    expect(msg.usage.input_tokens).toBe(10);
    expect(msg.usage.output_tokens).toBe(3);
    expect(fake.requests[0]!.path).toBe('/v1/messages');
    expect(fake.requests[0]!.headers['anthropic-version']).toEqual(expect.any(String));
    expect(fake.requests[0]!.body.system).toBe('Be brief.');
  });

  it('messages.stream(): text events and the final message', async () => {
    const stream = sdk.messages.stream({ model: 'claude-3-5-haiku-20241022', max_tokens: 100, messages: [{ role: 'user', content: 'one two three' }] });
    const pieces: string[] = [];
    stream.on('text', (t) => pieces.push(t));
    const final = await stream.finalMessage();
    expect(pieces.join('')).toBe('Echo: one two three');
    expect(pieces.length).toBeGreaterThan(1);
    expect(final.content).toEqual([{ type: 'text', text: 'Echo: one two three' }]);
    expect(final.stop_reason).toBe('end_turn');
    expect(final.usage.output_tokens).toBe(4);
  });

  it('raw stream events come in the documented order', async () => {
    const stream = await sdk.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 100, messages: [{ role: 'user', content: 'hi' }], stream: true });
    const types: string[] = [];
    for await (const ev of stream) types.push(ev.type);
    expect(types[0]).toBe('message_start');
    expect(types[1]).toBe('content_block_start');
    expect(types.filter((t) => t === 'content_block_delta').length).toBeGreaterThan(0);
    expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
  });

  it('streamed tool_use: input_json_delta assembles into the input object', async () => {
    fake.enqueue({ kind: 'reply', toolCalls: TOOL_CALLS });
    const stream = sdk.messages.stream({
      model: 'claude-3-5-haiku-20241022',
      max_tokens: 100,
      messages: [{ role: 'user', content: 'weather and time' }],
      tools: [
        { name: 'get_weather', input_schema: { type: 'object', properties: { city: { type: 'string' } } } },
        { name: 'get_time', input_schema: { type: 'object', properties: { zone: { type: 'string' } } } },
      ],
    });
    const partials: string[] = [];
    stream.on('inputJson', (partial) => partials.push(partial));
    const final = await stream.finalMessage();
    expect(final.stop_reason).toBe('tool_use');
    expect(final.content).toEqual([
      { type: 'tool_use', id: 'toolu_01', name: 'get_weather', input: { city: 'Paris', days: 3 } },
      { type: 'tool_use', id: 'toolu_02', name: 'get_time', input: { zone: 'Asia/Tokyo' } },
    ]);
    expect(partials.join('')).toBe(TOOL_CALLS.map((t) => t.arguments).join(''));
  });

  it('an error event makes the Anthropic SDK throw', async () => {
    fake.enqueue({ kind: 'stream-error', afterChunks: 4, message: 'Overloaded' });
    const stream = await sdk.messages.create({ model: 'claude-3-5-haiku-20241022', max_tokens: 100, messages: [{ role: 'user', content: 'x' }], stream: true });
    const seen: string[] = [];
    const err: unknown = await (async () => {
      for await (const ev of stream) seen.push(ev.type);
    })().then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect((err as Error).message).toContain('Overloaded');
    expect(seen).toContain('content_block_delta');
  });
});
