import OpenAI from 'openai';
import { fakeCohere, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { IMAGE_MESSAGE, PERSON_FORMAT, PERSON_JSON, TWO_CALLS, WEATHER_TOOL, assembled, collect, midStreamFailure, rejection, sdkRetriesOn429 } from './support/provider-scenarios';

/** Cohere v2 chat end to end with the openai SDK. */
const MODEL = 'cohere/command-a';

describe('Cohere through the gateway (openai SDK)', () => {
  let stack: TestStack;
  let cohere: FakeUpstream;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    cohere = await fakeCohere();
    stack = await startStack({ env: { COHERE_API_KEY: 'co-upstream', COHERE_BASE_URL: cohere.url, RATE_LIMIT_RETRIES: '0' } });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await cohere.close();
  });

  beforeEach(() => cohere.reset());

  it('text: /v2/chat with a bearer key; top_p → p, stop → stop_sequences; billed units as usage', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hello cohere' }], top_p: 0.5, stop: 'END', seed: 3 });
    expect(res.choices[0]!.message.content).toBe('Echo: hello cohere');
    expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
    expect((res.usage as { cost?: number }).cost).toBeGreaterThan(0);
    const up = cohere.requests[0]!;
    expect(up.path).toBe('/v2/chat');
    expect(up.headers.authorization).toBe('Bearer co-upstream');
    expect(up.body).toEqual({ model: 'command-a-03-2025', messages: [{ role: 'user', content: 'hello cohere' }], p: 0.5, stop_sequences: ['END'], seed: 3 });
  });

  it('stream: content-delta events, message-end finish and usage', async () => {
    const out = await collect(await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'stream it' }], stream: true, stream_options: { include_usage: true } }));
    expect(out.content).toBe('Echo: stream it');
    expect(out.finish).toEqual(['stop']);
    expect(out.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
  });

  it('tools: tool plan as reasoning_content, parallel calls streamed with indexes 0 and 1', async () => {
    cohere.enqueue({ kind: 'reply', reasoning: 'I will look both up.', toolCalls: TWO_CALLS });
    const out = await collect(await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], tool_choice: 'required', stream: true }));
    expect(out.reasoning).toBe('I will look both up.');
    expect(assembled(out.toolDeltas)).toEqual([
      { id: 'call_paris', name: 'get_weather', args: { city: 'Paris' } },
      { id: 'call_tokyo', name: 'get_weather', args: { city: 'Tokyo' } },
    ]);
    expect(out.finish).toEqual(['tool_calls']);
    expect(cohere.requests[0]!.body.tool_choice).toBe('REQUIRED');
  });

  it('json_schema → response_format json_object with json_schema', async () => {
    cohere.enqueue({ kind: 'reply', content: PERSON_JSON });
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'who?' }], response_format: PERSON_FORMAT });
    expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(cohere.requests[0]!.body.response_format).toEqual({ type: 'json_object', json_schema: PERSON_FORMAT.json_schema.schema });
  });

  it('logprobs: per-span log probabilities as OpenAI logprobs (top_logprobs > 0 is a 400)', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true });
    const lp = res.choices[0]!.logprobs!.content!;
    expect(lp.map((t) => t.token).join('')).toBe('Echo: hi');
    expect(lp.every((t) => Array.isArray(t.top_logprobs))).toBe(true);
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 }));
    expect(err.param).toBe('top_logprobs');
  });

  it('images in: image_url parts reach Cohere as they are', async () => {
    await client.chat.completions.create({ model: MODEL, messages: [IMAGE_MESSAGE] });
    const content = (cohere.requests[0]!.body.messages as { content: unknown[] }[])[0]!.content;
    expect(content).toEqual((IMAGE_MESSAGE as { content: unknown[] }).content);
  });

  it('a 429 reaches the SDK, whose own retry succeeds', async () => {
    const { res, seen, upstreamCalls } = await sdkRetriesOn429({ baseURL: stack.baseURL, apiKey: key, fake: cohere, model: MODEL, headers: { 'retry-after': '0' } });
    expect(seen).toEqual([429, 200]);
    expect(upstreamCalls).toBe(2);
    expect(res.choices[0]!.message.content).toBe('Echo: retry me');
  });

  it('finish_reason ERROR mid-stream makes the SDK throw after the first pieces', async () => {
    // message-start, content-start, then two deltas.
    const { content, finishes, err } = await midStreamFailure(client, cohere, MODEL, 'stream-error', 4);
    expect(content).toBe('one two ');
    expect(finishes).toEqual([]);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });
});
