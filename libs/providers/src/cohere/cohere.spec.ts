import type { ChatCompletionRequest } from '@gatewayz/wire';
import { chatCall, choicesOf, contentOf, fixture, fixtureJson, logprobsOf, reasoningOf, runStream, silentHooks, thrown, toolCallsOf } from '../spec-helpers';
import { buildCohereBody } from './chat.request';
import { extractCohereError, parseCohereResponse } from './chat.response';
import { CohereStreamTranslator } from './chat.stream';
import { cohereTranslator } from './index';

const call = (request: Partial<ChatCompletionRequest>, stream = false) =>
  chatCall({ provider: 'cohere', adapter: 'cohere', nativeModel: 'command-a-03-2025', request, stream, credentials: { baseUrl: 'https://api.cohere.com', apiKey: 'co-key' } });

const weather = { type: 'function' as const, function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };
const clock = { type: 'function' as const, function: { name: 'get_time', parameters: { type: 'object', properties: {} } } };

describe('Cohere v2 request translation', () => {
  it('posts to /v2/chat with a bearer key; messages keep their roles', () => {
    const built = cohereTranslator.buildRequest(
      call({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
          { role: 'assistant', content: null, reasoning_content: 'I should check.', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
          { role: 'tool', tool_call_id: 'c1', content: '18C' },
        ],
      }),
    );
    expect(built.url).toBe('https://api.cohere.com/v2/chat');
    expect(built.headers).toMatchObject({ authorization: 'Bearer co-key' });
    expect((built.body as { messages: unknown }).messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: [{ type: 'text', text: 'Look' }, { type: 'image_url', image_url: { url: 'https://example.com/a.png', detail: 'low' } }] },
      { role: 'assistant', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }], tool_plan: 'I should check.' },
      { role: 'tool', tool_call_id: 'c1', content: '18C' },
    ]);
  });

  it('renames and clamps: top_p → p (0.01–0.99), stop → stop_sequences, max_completion_tokens → max_tokens', () => {
    const body = buildCohereBody(call({ top_p: 1, stop: 'END', max_completion_tokens: 50, temperature: 0.2, seed: 3, frequency_penalty: 0.5, logprobs: true, user: 'u', logit_bias: { '1': 1 } }));
    expect(body).toEqual({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'Hi' }], p: 0.99, stop_sequences: ['END'], max_tokens: 50, temperature: 0.2, seed: 3, frequency_penalty: 0.5, logprobs: true });
  });

  it.each([
    ['auto', ['get_weather', 'get_time'], undefined],
    ['none', ['get_weather', 'get_time'], 'NONE'],
    ['required', ['get_weather', 'get_time'], 'REQUIRED'],
    [{ type: 'function', function: { name: 'get_time' } }, ['get_time'], 'REQUIRED'],
  ] as const)('tool_choice %p → tools %p and tool_choice %p', (tool_choice, names, expected) => {
    const body = buildCohereBody(call({ tools: [weather, clock], tool_choice }));
    expect(body.tools!.map((t) => t.function.name)).toEqual(names);
    expect(body.tool_choice).toBe(expected);
  });

  it('json_schema → json_object with json_schema; strict tools → strict_tools; reasoning → thinking budget', () => {
    const schema = { type: 'object', properties: { a: { type: 'string' } } };
    expect(buildCohereBody(call({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } })).response_format).toEqual({ type: 'json_object', json_schema: schema });
    expect(buildCohereBody(call({ tools: [{ ...weather, function: { ...weather.function, strict: true } }] })).strict_tools).toBe(true);
    expect(buildCohereBody(call({ reasoning_effort: 'medium' })).thinking).toEqual({ type: 'enabled', token_budget: 8192 });
  });

  it.each([
    ['n', { n: 2 }],
    ['top_logprobs', { logprobs: true, top_logprobs: 2 }],
    ['presence_penalty', { presence_penalty: -0.5 }],
    ['messages[0].content[0]', { messages: [{ role: 'user' as const, content: [{ type: 'input_audio' as const, input_audio: { data: 'x', format: 'wav' as const } }] }] }],
  ])('rejects %s with a 400 naming it', (param, extra) => {
    expect(thrown(() => buildCohereBody(call(extra)))).toMatchObject({ status: 400, param });
  });
});

describe('Cohere v2 responses', () => {
  it('text, billed units as usage, the id', () => {
    const { chunk, usage, meta } = parseCohereResponse(fixtureJson(__dirname, 'chat-text.json'), 'cohere');
    expect(chunk.choices).toEqual([{ index: 0, role: 'assistant', content: 'LLMs stand for Large Language Models.', finishReason: 'stop' }]);
    expect(usage).toMatchObject({ inputTokens: 17, outputTokens: 9 });
    expect(meta.id).toBe('c14c80c3-18eb-4519-9460-6c92edd8cfb4');
  });

  it('tool_plan → reasoning; tool_calls kept; TOOL_CALL → tool_calls', () => {
    const choice = parseCohereResponse(fixtureJson(__dirname, 'chat-tool-calls.json'), 'cohere').chunk.choices![0]!;
    expect(choice.reasoning).toBe('I will look up the weather in Paris and in Tokyo.');
    expect(choice.toolCalls).toEqual([
      { index: 0, id: 'get_weather_k2zbwm3y5k7q', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { index: 1, id: 'get_weather_9s1d3bwv2a4e', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
    ]);
    expect(choice.finishReason).toBe('tool_calls');
  });

  it('logprobs spans → OpenAI entries (the span’s log probability), top_logprobs an empty array', () => {
    const { chunk } = parseCohereResponse(fixtureJson(__dirname, 'chat-logprobs.json'), 'cohere');
    expect(logprobsOf([chunk])).toEqual([
      { token: 'Hello', logprob: -0.25, bytes: [72, 101, 108, 108, 111], top_logprobs: [] },
      { token: ' world', logprob: -0.75, bytes: [32, 119, 111, 114, 108, 100], top_logprobs: [] },
    ]);
  });

  it('error bodies give their message', () => {
    expect(extractCohereError(fixtureJson(__dirname, 'error-400.json'), '')).toEqual({ message: 'invalid request: p must be between 0.01 and 0.99' });
  });
});

describe('Cohere v2 stream', () => {
  it('content deltas, logprobs, finish and usage from message-end', () => {
    const t = new CohereStreamTranslator('cohere', silentHooks());
    const chunks = runStream(fixture(__dirname, 'stream-text.txt'), t, { size: 17 });
    expect(contentOf(chunks)).toBe('LLMs are large language models.');
    expect(logprobsOf(chunks)).toHaveLength(3);
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('stop');
    expect(t.result()).toEqual({ finished: true, meta: { id: '29f14a5a-11de-4cae-9800-25e4747408ea' }, usage: expect.objectContaining({ inputTokens: 5, outputTokens: 6 }) });
  });

  it('tool plan as reasoning; two tool calls with stable indexes and assembled arguments', () => {
    const chunks = runStream(fixture(__dirname, 'stream-tool-calls.txt'), new CohereStreamTranslator('cohere', silentHooks()));
    expect(reasoningOf(chunks)).toBe('I will check the weather in both cities.');
    const calls = toolCallsOf(chunks);
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)).toEqual({ id: 'get_weather_nsz5zm3w56q3', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(calls.get(1)).toEqual({ id: 'get_weather_0ak5q3x1sp2d', name: 'get_weather', arguments: '{"city":"Tokyo"}' });
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('tool_calls');
  });

  it('finish_reason ERROR in message-end throws after the content before it', () => {
    const t = new CohereStreamTranslator('cohere', silentHooks());
    const events = fixture(__dirname, 'stream-error.txt').split('\n\n').filter(Boolean);
    const before = runStream(events.slice(0, 2).join('\n\n') + '\n\n', t);
    expect(contentOf(before)).toBe('Once upon');
    expect(thrown(() => runStream(events[2]! + '\n\n', t))).toMatchObject({ status: 502, message: expect.stringContaining('internal server error') });
    expect(t.result().finished).toBe(false);
  });

  it('an unknown event is reported and passed through; a cut stream is not finished', () => {
    const hooks = silentHooks();
    const t = new CohereStreamTranslator('cohere', hooks);
    const out = t.push({ event: 'debug', id: undefined, data: '{"type":"debug","prompt":"..."}' });
    expect(hooks.onUnrecognized).toHaveBeenCalledTimes(1);
    expect(out[0]!.passthroughJson).toBeDefined();
    expect(t.result().finished).toBe(false);
    expect(thrown(() => t.push({ event: undefined, id: undefined, data: '{"type":' }))).toMatchObject({ code: 'upstream_malformed_response' });
  });
});
