import { createHash } from 'node:crypto';
import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import { chatCall, choicesOf, contentOf, fixtureJson, reasoningOf, runStream, silentHooks, thrown, toolCallsOf } from '../spec-helpers';
import { buildConverseBody } from './chat.request';
import { extractBedrockError, parseConverseResponse } from './chat.response';
import { BedrockStreamTranslator } from './chat.stream';
import { EventStreamDecoder } from './event-stream';
import { bedrockSigner, bedrockTranslator } from './index';

const codec = new EventStreamCodec(toUtf8, fromUtf8);
type FixtureEvent = { type?: string; exception?: string; payload: object };
const str = (value: string) => ({ type: 'string' as const, value });

/** The fixture's events in real event-stream binary framing. */
function encode(events: FixtureEvent[]): Uint8Array {
  const parts = events.map((e) =>
    codec.encode({
      headers: e.exception
        ? { ':message-type': str('exception'), ':exception-type': str(e.exception), ':content-type': str('application/json') }
        : { ':message-type': str('event'), ':event-type': str(e.type!), ':content-type': str('application/json') },
      body: fromUtf8(JSON.stringify(e.payload)),
    }),
  );
  return Buffer.concat(parts);
}

const events = (name: string) => encode(fixtureJson<FixtureEvent[]>(__dirname, name));

const CLAUDE = 'anthropic.claude-3-5-haiku-20241022-v1:0';
const call = (request: Partial<ChatCompletionRequest>, options: { stream?: boolean; model?: string; settings?: Record<string, string>; apiKey?: string } = {}) =>
  chatCall({
    provider: 'bedrock',
    adapter: 'bedrock',
    nativeModel: options.model ?? CLAUDE,
    request,
    stream: options.stream,
    credentials: {
      apiKey: options.apiKey,
      baseUrl: 'https://bedrock-runtime.{region}.amazonaws.com',
      settings: options.settings ?? { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY', region: 'eu-west-1' },
    },
  });

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

describe('Bedrock Converse request', () => {
  it('posts to the regional /model/<id>/converse(-stream), the id percent-encoded', () => {
    expect(bedrockTranslator.buildRequest(call({})).url).toBe('https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/converse');
    expect(bedrockTranslator.buildRequest(call({}, { stream: true })).url).toMatch(/\/converse-stream$/);
  });

  it('messages, system, images (bytes), tool calls and results, inference config', () => {
    const { body } = buildConverseBody(
      call({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Weather here?' }, { type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }] },
          { role: 'assistant', content: null, tool_calls: [{ id: 't1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 't1', content: '18C' },
        ],
        max_tokens: 300,
        temperature: 0.5,
        top_p: 0.9,
        stop: ['END'],
        seed: 1,
        user: 'u',
        tools: [weather],
      }),
    );
    expect(body).toEqual({
      system: [{ text: 'Be brief.' }],
      messages: [
        { role: 'user', content: [{ text: 'Weather here?' }, { image: { format: 'jpeg', source: { bytes: '/9j/4AAQ' } } }] },
        { role: 'assistant', content: [{ toolUse: { toolUseId: 't1', name: 'get_weather', input: { city: 'Paris' } } }] },
        { role: 'user', content: [{ toolResult: { toolUseId: 't1', content: [{ text: '18C' }] } }] },
      ],
      inferenceConfig: { maxTokens: 300, temperature: 0.5, topP: 0.9, stopSequences: ['END'] },
      toolConfig: { tools: [{ toolSpec: { name: 'get_weather', description: 'Weather', inputSchema: { json: weather.function.parameters } } }], toolChoice: { auto: {} } },
    });
  });

  it.each([
    ['required', { any: {} }],
    [{ type: 'function', function: { name: 'get_weather' } }, { tool: { name: 'get_weather' } }],
  ] as const)('tool_choice %p → %p', (tool_choice, expected) => {
    expect(buildConverseBody(call({ tools: [weather], tool_choice })).body.toolConfig!.toolChoice).toEqual(expected);
  });

  it("tool_choice 'none' drops the tools, but cannot once tools are in the history", () => {
    expect(buildConverseBody(call({ tools: [weather], tool_choice: 'none' })).body).not.toHaveProperty('toolConfig');
    const history: Partial<ChatCompletionRequest> = {
      tools: [weather],
      tool_choice: 'none',
      messages: [{ role: 'assistant', tool_calls: [{ id: 't', type: 'function', function: { name: 'get_weather', arguments: '{}' } }] }, { role: 'tool', tool_call_id: 't', content: 'x' }],
    };
    expect(thrown(() => buildConverseBody(call(history)))).toMatchObject({ status: 400, param: 'tool_choice' });
  });

  it('json_schema is emulated with a forced tool', () => {
    const { body, context } = buildConverseBody(call({ response_format: { type: 'json_schema', json_schema: { name: 'person', schema: { type: 'object', properties: { name: { type: 'string' } } } } } }));
    expect(body.toolConfig).toEqual({ tools: [{ toolSpec: { name: 'person', description: expect.any(String), inputSchema: { json: { type: 'object', properties: { name: { type: 'string' } } } } } }], toolChoice: { tool: { name: 'person' } } });
    expect(context).toEqual({ jsonTool: 'person' });
  });

  it('reasoning_effort → Claude thinking with the output limit; refused for other models', () => {
    const { body } = buildConverseBody(call({ reasoning_effort: 'low', temperature: 0.2 }));
    expect(body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
    expect(body.inferenceConfig).toEqual({ maxTokens: 8192 });
    expect(thrown(() => buildConverseBody(call({ reasoning_effort: 'low' }, { model: 'amazon.nova-lite-v1:0' })))).toMatchObject({ status: 400, param: 'reasoning_effort' });
  });

  it.each([
    ['n', { n: 2 }],
    ['logprobs', { logprobs: true }],
    ['temperature', { temperature: 1.5 }],
    ['messages[0].content[0]', { messages: [{ role: 'user' as const, content: [{ type: 'image_url' as const, image_url: { url: 'https://example.com/a.png' } }] }] }],
  ])('rejects %s with a 400 naming it', (param, extra) => {
    expect(thrown(() => buildConverseBody(call(extra)))).toMatchObject({ status: 400, param });
  });
});

describe('Bedrock auth', () => {
  it('SigV4: AWS4-HMAC-SHA256 for service bedrock in the region, over host, date and the payload hash', async () => {
    const built = bedrockTranslator.buildRequest(call({}));
    const body = JSON.stringify(built.body);
    const headers = await bedrockSigner.sign({ url: built.url, headers: built.headers, body }, call({}));
    expect(headers.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/eu-west-1\/bedrock\/aws4_request, SignedHeaders=[a-z0-9;-]*host[a-z0-9;-]*x-amz-date[a-z0-9;-]*, Signature=[0-9a-f]{64}$/,
    );
    expect(headers['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(headers['x-amz-content-sha256']).toBe(createHash('sha256').update(body).digest('hex'));
    expect(headers).not.toHaveProperty('host');
  });

  it('a session token is sent; a Bedrock API key is a bearer token instead; nothing set is a configuration error', async () => {
    const built = bedrockTranslator.buildRequest(call({}));
    const req = { url: built.url, headers: built.headers, body: '{}' };
    const withToken = await bedrockSigner.sign(req, call({}, { settings: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'TOKEN' } }));
    expect(withToken['x-amz-security-token']).toBe('TOKEN');
    expect(await bedrockSigner.sign(req, call({}, { apiKey: 'bedrock-api-key-abc' }))).toEqual({ authorization: 'Bearer bedrock-api-key-abc' });
    await expect(bedrockSigner.sign(req, call({}, { settings: {} }))).rejects.toMatchObject({ code: 'provider_misconfigured', status: 502 });
  });
});

describe('Bedrock Converse response', () => {
  it('text; cache reads in their own bucket', () => {
    const { chunk, usage } = parseConverseResponse(fixtureJson(__dirname, 'converse-text.json'), 'bedrock');
    expect(chunk.choices).toEqual([{ index: 0, role: 'assistant', content: 'Paris is the capital of France.', finishReason: 'stop' }]);
    expect(usage).toEqual({ inputTokens: 21, cacheReadTokens: 2048, cacheWriteTokens: 0, outputTokens: 9, reasoningTokens: 0, estimated: false });
  });

  it('reasoning, text and two tool calls', () => {
    const choice = parseConverseResponse(fixtureJson(__dirname, 'converse-tool-use.json'), 'bedrock').chunk.choices![0]!;
    expect(choice).toMatchObject({ reasoning: 'Two cities: two calls.', content: "I'll check both cities.", finishReason: 'tool_calls' });
    expect(choice.toolCalls).toEqual([
      { index: 0, id: 'tooluse_kZJMlvQmRJ6eAyJE5GIl7Q', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { index: 1, id: 'tooluse_u8XhnmVMQpKqAcd3P4rPRw', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
    ]);
  });

  it('the emulated JSON tool comes back as content with finish stop', () => {
    const choice = parseConverseResponse(fixtureJson(__dirname, 'converse-json-tool.json'), 'bedrock', { jsonTool: 'person' }).chunk.choices![0]!;
    expect(JSON.parse(choice.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(choice.finishReason).toBe('stop');
  });

  it('error bodies give their message', () => {
    expect(extractBedrockError(fixtureJson(__dirname, 'error-400.json'), '')).toEqual({ message: 'The provided model identifier is invalid.' });
  });
});

describe('Bedrock ConverseStream (event-stream binary framing)', () => {
  const stream = (bytes: Uint8Array, t: BedrockStreamTranslator, size?: number) => runStream(bytes, t, { decoder: new EventStreamDecoder(), size });

  it('decodes frames split at any byte boundary; text, finish and usage', () => {
    for (const size of [1, 7, 100, 10_000]) {
      const t = new BedrockStreamTranslator('bedrock', silentHooks());
      const chunks = stream(events('stream-text.events.json'), t, size);
      expect(contentOf(chunks)).toBe('Paris is the capital of France.');
      expect(choicesOf(chunks)[0]!.role).toBe('assistant');
      expect(choicesOf(chunks).at(-1)!.finishReason).toBe('stop');
      expect(t.result()).toMatchObject({ finished: true, usage: { inputTokens: 21, outputTokens: 9 } });
    }
  });

  it('reasoning and two streamed tool calls with stable indexes', () => {
    const chunks = stream(events('stream-tool-use.events.json'), new BedrockStreamTranslator('bedrock', silentHooks()), 13);
    expect(reasoningOf(chunks)).toBe('Two cities.');
    const calls = toolCallsOf(chunks);
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(JSON.parse(calls.get(0)!.arguments)).toEqual({ city: 'Paris' });
    expect(calls.get(1)).toEqual({ id: 'tooluse_u8XhnmVMQpKqAcd3P4rPRw', name: 'get_weather', arguments: '{"city": "Tokyo"}' });
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('tool_calls');
  });

  it('an exception frame throws a ProviderError after the text before it', () => {
    const t = new BedrockStreamTranslator('bedrock', silentHooks());
    const decoder = new EventStreamDecoder();
    const seen: string[] = [];
    const err = thrown(() => {
      for (const e of decoder.push(events('stream-exception.events.json'))) for (const c of t.push(e)) seen.push(...(c.choices ?? []).map((x) => x.content ?? ''));
    });
    expect(seen.join('')).toBe('Once upon');
    expect(err).toMatchObject({ status: 502, upstreamStatus: 424, message: expect.stringContaining('modelStreamErrorException') });
  });

  it('a throttling exception is a rate limit', () => {
    const err = thrown(() => new BedrockStreamTranslator('bedrock', silentHooks()).push({ event: 'exception:throttlingException', id: undefined, data: '{"message":"Too many tokens"}' }));
    expect(err).toMatchObject({ status: 429 });
  });

  it('a corrupted frame (CRC mismatch) and a stream ending inside a frame are decoding errors', () => {
    const bytes = events('stream-text.events.json');
    const corrupted = Uint8Array.from(bytes);
    corrupted[20] = corrupted[20]! ^ 0xff;
    expect(() => [...new EventStreamDecoder().push(corrupted)]).toThrow();
    // Good frames before a bad one in the same read come out first; the error follows.
    const good = bytes.subarray(0, new DataView(bytes.buffer, bytes.byteOffset).getUint32(0));
    const lazy = new EventStreamDecoder().push(Buffer.concat([good, corrupted]))[Symbol.iterator]();
    expect(lazy.next().value).toMatchObject({ event: 'messageStart' });
    expect(() => lazy.next()).toThrow();
    const decoder = new EventStreamDecoder();
    expect([...decoder.push(bytes.subarray(0, 50))]).toEqual([]);
    expect(() => decoder.end()).toThrow();
  });

  it('is not finished without messageStop; an unknown event is reported and passed through', () => {
    const hooks = silentHooks();
    const t = new BedrockStreamTranslator('bedrock', hooks);
    const out = t.push({ event: 'citationDelta', id: undefined, data: '{"contentBlockIndex":0}' });
    expect(hooks.onUnrecognized).toHaveBeenCalledTimes(1);
    expect(out[0]!.passthroughJson).toBeDefined();
    expect(t.result().finished).toBe(false);
  });

  it('the emulated JSON tool streams as content', () => {
    const t = new BedrockStreamTranslator('bedrock', silentHooks(), { jsonTool: 'person' });
    const ev = (event: string, data: object) => ({ event, id: undefined, data: JSON.stringify(data) });
    const chunks = [
      ...t.push(ev('contentBlockStart', { contentBlockIndex: 0, start: { toolUse: { toolUseId: 'x', name: 'person' } } })),
      ...t.push(ev('contentBlockDelta', { contentBlockIndex: 0, delta: { toolUse: { input: '{"name":"Ada"}' } } })),
      ...t.push(ev('messageStop', { stopReason: 'tool_use' })),
    ];
    expect(contentOf(chunks)).toBe('{"name":"Ada"}');
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('stop');
  });
});
