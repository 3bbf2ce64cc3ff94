import { randomBytes } from 'node:crypto';
import Anthropic from '@anthropic-ai/sdk';
import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';
import { fakeAnthropic, fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/** POST /v1/messages and /v1/messages/count_tokens, driven by the official Anthropic SDK. */
type UsageWithCost = Anthropic.Usage & { cost?: number };
type ApiError = InstanceType<typeof Anthropic.APIError>;
/** Sampling parameters the API accepts but this SDK version no longer types. */
const sampling = (extra: Record<string, number>) => extra;

const WEATHER = { name: 'get_weather', description: 'Weather for a city', input_schema: { type: 'object' as const, properties: { city: { type: 'string' } } } };
const TIME = { name: 'get_time', input_schema: { type: 'object' as const, properties: { zone: { type: 'string' } } } };

/** The event names of a raw Anthropic SSE body, checking each `event:` matches its data's type. */
function eventNames(text: string): string[] {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const name = /^event: (.+)$/m.exec(block)?.[1];
      const data = JSON.parse(/^data: (.+)$/m.exec(block)![1]!) as { type: string };
      expect(data.type).toBe(name);
      return name!;
    });
}

describe('/v1/messages (Anthropic SDK)', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let anthropic: FakeUpstream;
  let key: string;
  let client: Anthropic;

  beforeAll(async () => {
    [openai, anthropic] = await Promise.all([fakeOpenAI(), fakeAnthropic()]);
    stack = await startStack({
      env: {
        OPENAI_API_KEY: 'sk-gateway-openai',
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: 'sk-ant-gateway',
        ANTHROPIC_BASE_URL: anthropic.url,
        // A 429 goes straight back to the client (the SDK's own retry is under test).
        RATE_LIMIT_RETRIES: '0',
      },
    });
    ({ key } = await stack.createKey());
    client = new Anthropic({ apiKey: key, baseURL: stack.url, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await Promise.all([openai.close(), anthropic.close()]);
  });

  beforeEach(() => {
    openai.reset();
    anthropic.reset();
  });

  describe('to the simulator', () => {
    it('messages.create: a Message with text, stop_reason, usage (and cost) and request-id', async () => {
      const { data: msg, request_id } = await client.messages
        .create({ model: 'sim/echo', max_tokens: 100, system: 'Be terse.', messages: [{ role: 'user', content: 'hello gateway world' }] })
        .withResponse();
      expect(msg.id).toMatch(/^msg_/);
      expect(msg).toMatchObject({ type: 'message', role: 'assistant', model: 'sim/echo', stop_reason: 'end_turn', stop_sequence: null });
      expect(msg.content).toEqual([{ type: 'text', text: 'hello gateway world' }]);
      expect(msg.usage.output_tokens).toBe(3);
      expect(msg.usage.input_tokens).toBeGreaterThan(0);
      expect((msg.usage as UsageWithCost).cost).toBeGreaterThan(0);
      expect(request_id).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('messages.stream(): the documented event sequence, text events and the final message', async () => {
      const types: string[] = [];
      const pieces: string[] = [];
      const stream = client.messages.stream({ model: 'sim/echo', max_tokens: 100, messages: [{ role: 'user', content: 'one two three four' }] });
      stream.on('streamEvent', (ev) => types.push(ev.type));
      stream.on('text', (t) => pieces.push(t));
      const final = await stream.finalMessage();

      expect(types[0]).toBe('message_start');
      expect(types[1]).toBe('content_block_start');
      expect(types.slice(2, -3).every((t) => t === 'content_block_delta')).toBe(true);
      expect(types.slice(-3)).toEqual(['content_block_stop', 'message_delta', 'message_stop']);
      expect(pieces.length).toBe(4);
      expect(pieces.join('')).toBe('one two three four');
      expect(final.content).toEqual([{ type: 'text', text: 'one two three four' }]);
      expect(final.stop_reason).toBe('end_turn');
      // Counts come in message_delta (known at the end) and the SDK takes them from there.
      expect(final.usage.output_tokens).toBe(4);
      expect(final.usage.input_tokens).toBeGreaterThan(0);
    });

    it('on the wire: event lines, a ping, message_delta usage in Anthropic convention, request-id', async () => {
      const res = await fetch(`${stack.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'anthropic-version': '2023-06-01', 'anthropic-beta': 'prompt-caching-2024-07-31', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim/echo', max_tokens: 50, stream: true, messages: [{ role: 'user', content: 'hi there' }] }),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
      expect(res.headers.get('request-id')).toBe(res.headers.get('x-request-id'));
      const text = await res.text();
      expect(eventNames(text)).toEqual(['message_start', 'ping', 'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop', 'message_delta', 'message_stop']);
      const delta = JSON.parse(/event: message_delta\ndata: (.+)/.exec(text)![1]!) as { delta: object; usage: Record<string, number> };
      expect(delta.delta).toEqual({ stop_reason: 'end_turn', stop_sequence: null });
      expect(delta.usage).toMatchObject({ output_tokens: 2, cache_read_input_tokens: 0, cache_creation_input_tokens: 0 });
      expect(delta.usage.input_tokens).toBeGreaterThan(0);
    });

    it('max_tokens reached: stop_reason max_tokens', async () => {
      const msg = await client.messages.create({ model: 'sim/echo', max_tokens: 2, messages: [{ role: 'user', content: 'one two three four five' }] });
      expect(msg.content).toEqual([{ type: 'text', text: 'one two' }]);
      expect(msg.stop_reason).toBe('max_tokens');
    });

    it('tool_choice any: a tool_use block (and input_json_delta when streamed)', async () => {
      const params = { model: 'sim/echo', max_tokens: 100, tools: [WEATHER], tool_choice: { type: 'any' as const }, messages: [{ role: 'user' as const, content: 'weather?' }] };
      const msg = await client.messages.create(params);
      expect(msg.stop_reason).toBe('tool_use');
      expect(msg.content).toEqual([{ type: 'tool_use', id: 'call_sim_0', name: 'get_weather', input: {} }]);

      const deltas: string[] = [];
      const stream = client.messages.stream(params);
      stream.on('streamEvent', (ev) => {
        if (ev.type === 'content_block_delta') deltas.push(ev.delta.type);
      });
      const final = await stream.finalMessage();
      expect(deltas).toEqual(['input_json_delta']);
      expect(final.content).toEqual([{ type: 'tool_use', id: 'call_sim_0', name: 'get_weather', input: {} }]);
    });

    it('count_tokens: without a tokenizer for the family, an estimate, and it says so', async () => {
      const res = await client.messages
        .countTokens({ model: 'sim/echo', messages: [{ role: 'user', content: 'x'.repeat(400) }] })
        .withResponse();
      expect(res.response.headers.get('x-gatewayz-token-counter')).toBe('estimate:chars/4');
      // 3 (reply priming) + 3 (message) + 400 / 4
      expect(res.data.input_tokens).toBe(106);
    });
  });

  describe('errors in Anthropic shape', () => {
    it('a missing max_tokens: 400 invalid_request_error naming it, with request-id', async () => {
      const res = await fetch(`${stack.url}/v1/messages`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim/echo', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(400);
      expect(res.headers.get('request-id')).toEqual(expect.any(String));
      const body = (await res.json()) as { type: string; error: { type: string; message: string } };
      expect(body).toEqual({ type: 'error', error: { type: 'invalid_request_error', message: expect.stringContaining('max_tokens') } });
    });

    it('a bad key: AuthenticationError (401, authentication_error)', async () => {
      const bad = new Anthropic({ apiKey: `gw_live_${randomBytes(32).toString('base64url').slice(0, 43)}`, baseURL: stack.url, maxRetries: 0 });
      const err = await bad.messages.create({ model: 'sim/echo', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.AuthenticationError);
      expect((err as ApiError).error).toEqual({ type: 'error', error: { type: 'authentication_error', message: expect.any(String) } });
      expect((err as ApiError).requestID).toEqual(expect.any(String));
    });

    it('an unknown model: NotFoundError (404, not_found_error); a media model: 400 naming its endpoint', async () => {
      const err = await client.messages.create({ model: 'nobody/no-such-model', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.NotFoundError);
      expect((err as ApiError).type).toBe('not_found_error');
      const media = await client.messages.create({ model: 'sim/embed', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(media).toBeInstanceOf(Anthropic.BadRequestError);
      expect((media as Error).message).toContain('/v1/embeddings');
    });

    it("a 429 comes back with retry-after and the SDK's own retry honours it", async () => {
      openai.enqueue({ kind: 'status', status: 429, message: 'slow down', headers: { 'retry-after': '1' } });
      const retrying = new Anthropic({ apiKey: key, baseURL: stack.url, maxRetries: 1 });
      const started = Date.now();
      const msg = await retrying.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'after the wait' }] });
      expect(msg.content).toEqual([{ type: 'text', text: 'Echo: after the wait' }]);
      expect(openai.requests).toHaveLength(2);
      expect(Date.now() - started).toBeGreaterThanOrEqual(950);

      openai.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
      const err = await client.messages.create({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(Anthropic.RateLimitError);
      expect((err as ApiError).headers?.get('retry-after')).toBe('1');
      expect((err as ApiError).type).toBe('rate_limit_error');
    });

    it('a stream that fails after its first event ends with an error event the SDK raises', async () => {
      openai.enqueue({ kind: 'stream-error', afterChunks: 3, message: 'upstream melted' });
      const pieces: string[] = [];
      const stream = client.messages.stream({ model: 'openai/gpt-4o-mini', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] });
      stream.on('text', (t) => pieces.push(t));
      const err = await stream.finalMessage().catch((e: unknown) => e);
      expect(pieces.join('')).toBe('one two ');
      expect(err).toBeInstanceOf(Anthropic.APIError);
      expect((err as Error).message).toContain('upstream melted');
    });
  });

  describe('to an OpenAI upstream', () => {
    it('translates the request: system, content blocks, tool history, tools, tool_choice, stop, user, thinking', async () => {
      await client.messages.create({
        model: 'openai/gpt-4o',
        max_tokens: 300,
        system: [{ type: 'text', text: 'You are a weather bot.' }],
        stop_sequences: ['END'],
        ...sampling({ temperature: 0.3 }),
        metadata: { user_id: 'user-42' },
        thinking: { type: 'enabled', budget_tokens: 8192 },
        tools: [WEATHER],
        tool_choice: { type: 'tool', name: 'get_weather', disable_parallel_tool_use: true },
        messages: [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'What is in this picture, and the weather?' },
              { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
            ],
          },
          { role: 'assistant', content: [{ type: 'text', text: 'Let me check.' }, { type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { city: 'Paris' } }] },
          { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'Sunny, 21°C' }, { type: 'text', text: 'Thanks!' }] },
        ],
      });
      const up = openai.requests[0]!;
      expect(up.path).toBe('/chat/completions');
      expect(up.headers.authorization).toBe('Bearer sk-gateway-openai');
      expect(up.body).toMatchObject({
        model: 'gpt-4o',
        max_completion_tokens: 300,
        stop: ['END'],
        temperature: 0.3,
        user: 'user-42',
        reasoning_effort: 'medium',
        tool_choice: { type: 'function', function: { name: 'get_weather' } },
        parallel_tool_calls: false,
        tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: WEATHER.input_schema } }],
      });
      expect(up.body.messages).toEqual([
        { role: 'system', content: [{ type: 'text', text: 'You are a weather bot.' }] },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'What is in this picture, and the weather?' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
          ],
        },
        { role: 'assistant', content: 'Let me check.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
        { role: 'tool', tool_call_id: 'toolu_1', content: 'Sunny, 21°C' },
        { role: 'user', content: 'Thanks!' },
      ]);
    });

    it('output_config: effort → reasoning_effort, a JSON schema format → strict response_format; documents become parts', async () => {
      const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] };
      await client.messages.create({
        model: 'openai/gpt-4o',
        max_tokens: 100,
        output_config: { effort: 'xhigh', format: { type: 'json_schema', schema } },
        messages: [
          {
            role: 'user',
            content: [
              { type: 'document', source: { type: 'text', media_type: 'text/plain', data: 'The sky is blue.' }, title: 'Facts' },
              { type: 'document', source: { type: 'base64', media_type: 'application/pdf', data: 'JVBERi0xLjQ=' } },
              { type: 'text', text: 'Summarize.' },
            ],
          },
        ],
      });
      const up = openai.requests[0]!.body;
      expect(up.reasoning_effort).toBe('high');
      expect(up.response_format).toEqual({ type: 'json_schema', json_schema: { name: 'output', schema, strict: true } });
      expect(up.messages).toEqual([
        {
          role: 'user',
          content: [
            { type: 'text', text: 'Facts\n\nThe sky is blue.' },
            { type: 'file', file: { file_data: 'data:application/pdf;base64,JVBERi0xLjQ=', filename: 'document.pdf' } },
            { type: 'text', text: 'Summarize.' },
          ],
        },
      ]);
    });

    it('a block type the gateway cannot carry is a 400 naming it', async () => {
      const res = await fetch(`${stack.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'openai/gpt-4o', max_tokens: 10, messages: [{ role: 'user', content: [{ type: 'container_upload', file_id: 'f' }] }] }),
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as { error: { type: string; message: string } };
      expect(body.error.type).toBe('invalid_request_error');
      expect(body.error.message).toContain('messages[0].content[0]');
      expect(body.error.message).toContain('supported: text, image, document');
    });

    it('usage in Anthropic convention: input_tokens excludes cache reads', async () => {
      openai.enqueue({ kind: 'reply', content: 'cached answer', usage: { prompt: 100, completion: 2, cached: 40 } });
      const msg = await client.messages.create({ model: 'openai/gpt-4o', max_tokens: 50, messages: [{ role: 'user', content: 'x' }] });
      expect(msg.usage).toMatchObject({ input_tokens: 60, cache_read_input_tokens: 40, cache_creation_input_tokens: 0, output_tokens: 2 });
    });

    it('streamed parallel tool calls become tool_use blocks with input_json_delta', async () => {
      openai.enqueue({
        kind: 'reply',
        toolCalls: [
          { id: 'call_a', name: 'get_weather', arguments: '{"city":"Paris"}' },
          { id: 'call_b', name: 'get_time', arguments: '{"zone":"Asia/Tokyo"}' },
        ],
      });
      const partial: string[] = [];
      const starts: { index: number; type: string }[] = [];
      const stream = client.messages.stream({ model: 'openai/gpt-4o', max_tokens: 100, tools: [WEATHER, TIME], messages: [{ role: 'user', content: 'weather and time' }] });
      stream.on('inputJson', (delta) => partial.push(delta));
      stream.on('streamEvent', (ev) => {
        if (ev.type === 'content_block_start') starts.push({ index: ev.index, type: ev.content_block.type });
      });
      const final = await stream.finalMessage();
      expect(starts).toEqual([
        { index: 0, type: 'tool_use' },
        { index: 1, type: 'tool_use' },
      ]);
      expect(final.stop_reason).toBe('tool_use');
      expect(final.content).toEqual([
        { type: 'tool_use', id: 'call_a', name: 'get_weather', input: { city: 'Paris' } },
        { type: 'tool_use', id: 'call_b', name: 'get_time', input: { zone: 'Asia/Tokyo' } },
      ]);
      expect(partial.join('')).toBe('{"city":"Paris"}{"zone":"Asia/Tokyo"}');
    });

    it('reasoning_content becomes a thinking block (thinking_delta), before the text', async () => {
      openai.enqueue({ kind: 'reply', reasoning: 'Let me think.', content: 'Answer.' });
      const deltas: string[] = [];
      const stream = client.messages.stream({ model: 'openai/gpt-4o', max_tokens: 100, messages: [{ role: 'user', content: 'think' }] });
      stream.on('streamEvent', (ev) => {
        if (ev.type === 'content_block_delta') deltas.push(ev.delta.type);
      });
      const final = await stream.finalMessage();
      expect(final.content).toEqual([
        { type: 'thinking', thinking: 'Let me think.', signature: '' },
        { type: 'text', text: 'Answer.' },
      ]);
      expect(deltas).toEqual(['thinking_delta', 'text_delta']);
    });

    it('count_tokens with an OpenAI model counts with its tokenizer (o200k_base)', async () => {
      const res = await client.messages
        .countTokens({ model: 'openai/gpt-4o', system: 'Be terse.', messages: [{ role: 'user', content: 'How many tokens is this sentence?' }] })
        .withResponse();
      expect(res.response.headers.get('x-gatewayz-token-counter')).toBe('tokenizer:o200k_base');
      expect(res.data.input_tokens).toBe(3 + (3 + countTokens('Be terse.')) + (3 + countTokens('How many tokens is this sentence?')));
      expect(openai.requests).toHaveLength(0);
    });
  });

  describe('to an Anthropic upstream (round trip)', () => {
    it('non-stream: the request reaches Anthropic intact; cache usage maps back', async () => {
      anthropic.enqueue({ kind: 'reply', content: 'Bonjour.', usage: { prompt: 30, completion: 2, cached: 12 } });
      const msg = await client.messages.create({
        model: 'anthropic/claude-3-5-haiku',
        max_tokens: 256,
        system: 'Answer in French.',
        ...sampling({ top_k: 5 }),
        stop_sequences: ['STOP'],
        messages: [{ role: 'user', content: 'Hello' }],
      });
      const up = anthropic.requests[0]!;
      expect(up.headers['x-api-key']).toBe('sk-ant-gateway');
      expect(up.body).toMatchObject({ model: 'claude-3-5-haiku-20241022', max_tokens: 256, system: 'Answer in French.', top_k: 5, stop_sequences: ['STOP'] });
      expect(up.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
      expect(msg.content).toEqual([{ type: 'text', text: 'Bonjour.' }]);
      expect(msg.usage).toMatchObject({ input_tokens: 30, cache_read_input_tokens: 12, output_tokens: 2 });
    });

    it('thinking budget round-trips through reasoning_effort', async () => {
      await client.messages.create({ model: 'anthropic/claude-sonnet-4', max_tokens: 16000, thinking: { type: 'enabled', budget_tokens: 8192 }, messages: [{ role: 'user', content: 'deep' }] });
      expect(anthropic.requests[0]!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
    });

    it('streamed tool_use round-trips', async () => {
      anthropic.enqueue({ kind: 'reply', toolCalls: [{ id: 'toolu_9', name: 'get_weather', arguments: '{"city":"Oslo"}' }] });
      const final = await client.messages
        .stream({ model: 'anthropic/claude-3-5-haiku', max_tokens: 100, tools: [WEATHER], messages: [{ role: 'user', content: 'Oslo?' }] })
        .finalMessage();
      expect(final.content).toEqual([{ type: 'tool_use', id: 'toolu_9', name: 'get_weather', input: { city: 'Oslo' } }]);
      expect(final.stop_reason).toBe('tool_use');
      expect(anthropic.requests[0]!.body.tools).toEqual([{ name: 'get_weather', description: 'Weather for a city', input_schema: WEATHER.input_schema }]);
    });
  });
});
