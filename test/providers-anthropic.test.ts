import OpenAI from 'openai';
import { fakeAnthropic, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { IMAGE_MESSAGE, PERSON_FORMAT, PNG_BASE64, TWO_CALLS, WEATHER_TOOL, assembled, collect, midStreamFailure, rejection, sdkRetriesOn429 } from './support/provider-scenarios';

/** The Anthropic Messages family end to end with the openai SDK (translation both ways). */
const MODEL = 'anthropic/claude-3-5-haiku';
const PERSON_CALL = { id: 'toolu_person', name: 'person', arguments: '{"name":"Ada Lovelace","born":1815}' };

describe('Anthropic through the gateway (openai SDK)', () => {
  let stack: TestStack;
  let anthropic: FakeUpstream;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    anthropic = await fakeAnthropic();
    stack = await startStack({ env: { ANTHROPIC_API_KEY: 'sk-ant-upstream', ANTHROPIC_BASE_URL: anthropic.url, RATE_LIMIT_RETRIES: '0' } });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await anthropic.close();
  });

  beforeEach(() => anthropic.reset());

  it('text: /v1/messages with x-api-key; stop → stop_sequences, user → metadata; usage with cost', async () => {
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello claude' }], stop: ['END'], user: 'u-9' });
    expect(res.choices[0]!.message.content).toBe('Echo: hello claude');
    expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
    const up = anthropic.requests[0]!;
    expect(up.headers['x-api-key']).toBe('sk-ant-upstream');
    expect(up.body).toMatchObject({ model: 'claude-3-5-haiku-20241022', system: 'Be brief.', stop_sequences: ['END'], metadata: { user_id: 'u-9' } });
  });

  it('stream: content and usage from message_start/message_delta', async () => {
    const out = await collect(await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'stream please' }], stream: true, stream_options: { include_usage: true } }));
    expect(out.content).toBe('Echo: stream please');
    expect(out.finish).toEqual(['stop']);
    expect(out.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
  });

  it('streamed parallel tool calls (input_json_delta) keep indexes 0 and 1', async () => {
    anthropic.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
    const out = await collect(await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], tool_choice: 'required', stream: true }));
    expect(assembled(out.toolDeltas)).toEqual([
      { id: 'call_paris', name: 'get_weather', args: { city: 'Paris' } },
      { id: 'call_tokyo', name: 'get_weather', args: { city: 'Tokyo' } },
    ]);
    expect(out.finish).toEqual(['tool_calls']);
    expect(anthropic.requests[0]!.body.tool_choice).toEqual({ type: 'any' });
  });

  it('json_schema (strict): emulated with a forced tool; its input comes back as the content', async () => {
    anthropic.enqueue({ kind: 'reply', toolCalls: [PERSON_CALL] });
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'who wrote the first program?' }], response_format: PERSON_FORMAT });
    const choice = res.choices[0]!;
    expect(JSON.parse(choice.message.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(choice.message.tool_calls ?? []).toEqual([]);
    expect(choice.finish_reason).toBe('stop');
    const up = anthropic.requests[0]!.body;
    expect(up.tools).toEqual([{ name: 'person', description: expect.any(String), input_schema: PERSON_FORMAT.json_schema.schema }]);
    expect(up.tool_choice).toEqual({ type: 'tool', name: 'person' });
  });

  it('json_schema streamed: the JSON arrives as content deltas', async () => {
    anthropic.enqueue({ kind: 'reply', toolCalls: [PERSON_CALL] });
    const out = await collect(await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'who?' }], response_format: PERSON_FORMAT, stream: true }));
    expect(JSON.parse(out.content)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(out.toolDeltas).toEqual([]);
    expect(out.finish).toEqual(['stop']);
  });

  it('reasoning: thinking blocks come back as reasoning_content', async () => {
    anthropic.enqueue({ kind: 'reply', reasoning: 'Let me think.', content: '42' });
    const res = await client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'answer?' }], reasoning_effort: 'low', max_completion_tokens: 4096 });
    expect((res.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe('Let me think.');
    expect(anthropic.requests[0]!.body.thinking).toEqual({ type: 'enabled', budget_tokens: 2048 });
  });

  it('images in: a data URL becomes a base64 image block', async () => {
    await client.chat.completions.create({ model: MODEL, messages: [IMAGE_MESSAGE] });
    const content = (anthropic.requests[0]!.body.messages as { content: unknown[] }[])[0]!.content;
    expect(content[1]).toEqual({ type: 'image', source: { type: 'base64', media_type: 'image/png', data: PNG_BASE64 } });
  });

  it('logprobs, which Anthropic does not return, is a 400 naming it; nothing is sent upstream', async () => {
    const err = await rejection(client.chat.completions.create({ model: MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true }));
    expect(err.status).toBe(400);
    expect(err.param).toBe('logprobs');
    expect(anthropic.requests).toHaveLength(0);
  });

  it('a 429 with retry-after reaches the SDK, whose own retry succeeds', async () => {
    const { res, seen, upstreamCalls } = await sdkRetriesOn429({ baseURL: stack.baseURL, apiKey: key, fake: anthropic, model: MODEL, headers: { 'retry-after': '0' } });
    expect(seen).toEqual([429, 200]);
    expect(upstreamCalls).toBe(2);
    expect(res.choices[0]!.message.content).toBe('Echo: retry me');
  });

  it('an error event mid-stream makes the SDK throw after the first pieces', async () => {
    // message_start, content_block_start, ping, then two text deltas.
    const { content, finishes, err } = await midStreamFailure(client, anthropic, MODEL, 'stream-error', 5);
    expect(content).toBe('one two ');
    expect(finishes).toEqual([]);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });
});
