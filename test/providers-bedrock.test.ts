import OpenAI from 'openai';
import { fakeBedrock, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { IMAGE_MESSAGE, PERSON_FORMAT, PNG_BASE64, TWO_CALLS, WEATHER_TOOL, assembled, collect, midStreamFailure, rejection, sdkRetriesOn429 } from './support/provider-scenarios';

/**
 * Amazon Bedrock (Converse / ConverseStream) end to end with the openai SDK. The fake checks
 * every request's SigV4 Authorization header and answers streams in real event-stream binary
 * framing.
 */
const NOVA = 'amazon/nova-lite';
const CLAUDE = 'anthropic/claude-3-5-haiku';
const CREDENTIALS = { accessKeyId: 'AKIAFAKEBEDROCK', region: 'eu-central-1' };

describe('Amazon Bedrock through the gateway (openai SDK)', () => {
  let stack: TestStack;
  let bedrock: FakeUpstream;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    bedrock = await fakeBedrock(CREDENTIALS);
    stack = await startStack({
      env: {
        AWS_ACCESS_KEY_ID: CREDENTIALS.accessKeyId,
        AWS_SECRET_ACCESS_KEY: 'fake/secret/key/for/tests',
        AWS_REGION: CREDENTIALS.region,
        BEDROCK_BASE_URL: bedrock.url,
        RATE_LIMIT_RETRIES: '0',
      },
    });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await bedrock.close();
  });

  beforeEach(() => bedrock.reset());

  it('text: Converse, SigV4-signed (the fake verifies it), inferenceConfig; usage with cost', async () => {
    const res = await client.chat.completions.create({ model: NOVA, messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'hello bedrock' }], max_tokens: 100, temperature: 0.3 });
    expect(res.choices[0]!.message.content).toBe('Echo: hello bedrock');
    expect(res.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
    expect((res.usage as { cost?: number }).cost).toBeGreaterThan(0);
    const up = bedrock.requests[0]!;
    expect(up.path).toBe('/model/amazon.nova-lite-v1%3A0/converse');
    expect(String(up.headers.authorization)).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIAFAKEBEDROCK\/\d{8}\/eu-central-1\/bedrock\/aws4_request/);
    expect(up.body).toEqual({
      system: [{ text: 'Be brief.' }],
      messages: [{ role: 'user', content: [{ text: 'hello bedrock' }] }],
      inferenceConfig: { maxTokens: 100, temperature: 0.3 },
    });
  });

  it('stream: ConverseStream event-stream frames → content, finish, usage', async () => {
    const out = await collect(await client.chat.completions.create({ model: NOVA, messages: [{ role: 'user', content: 'stream frames' }], stream: true, stream_options: { include_usage: true } }));
    expect(out.content).toBe('Echo: stream frames');
    expect(out.finish).toEqual(['stop']);
    expect(out.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
    expect(bedrock.requests[0]!.path).toBe('/model/amazon.nova-lite-v1%3A0/converse-stream');
  });

  it('tools: toolSpec + toolChoice; parallel toolUse blocks stream with indexes 0 and 1', async () => {
    bedrock.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
    const out = await collect(await client.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], tool_choice: 'required', stream: true }));
    expect(assembled(out.toolDeltas)).toEqual([
      { id: 'call_paris', name: 'get_weather', args: { city: 'Paris' } },
      { id: 'call_tokyo', name: 'get_weather', args: { city: 'Tokyo' } },
    ]);
    expect(out.finish).toEqual(['tool_calls']);
    expect(bedrock.requests[0]!.body.toolConfig).toEqual({
      tools: [{ toolSpec: { name: 'get_weather', description: 'Current weather in a city', inputSchema: { json: WEATHER_TOOL.function.parameters } } }],
      toolChoice: { any: {} },
    });
  });

  it('json_schema: emulated with a forced tool (Claude on Bedrock); the input is the content', async () => {
    bedrock.enqueue({ kind: 'reply', toolCalls: [{ id: 'tooluse_1', name: 'person', arguments: '{"name":"Ada Lovelace","born":1815}' }] });
    const out = await collect(await client.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'who?' }], response_format: PERSON_FORMAT, stream: true }));
    expect(JSON.parse(out.content)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(out.toolDeltas).toEqual([]);
    expect(out.finish).toEqual(['stop']);
    expect((bedrock.requests[0]!.body.toolConfig as { toolChoice: unknown }).toolChoice).toEqual({ tool: { name: 'person' } });
  });

  it('reasoning_effort on Claude → thinking; reasoning comes back as reasoning_content', async () => {
    bedrock.enqueue({ kind: 'reply', reasoning: 'Thinking it over.', content: 'Done.' });
    const res = await client.chat.completions.create({ model: CLAUDE, messages: [{ role: 'user', content: 'think' }], reasoning_effort: 'low' });
    expect((res.choices[0]!.message as { reasoning_content?: string }).reasoning_content).toBe('Thinking it over.');
    expect(bedrock.requests[0]!.body.additionalModelRequestFields).toEqual({ thinking: { type: 'enabled', budget_tokens: 2048 } });
  });

  it('images in: a data URL becomes image bytes', async () => {
    await client.chat.completions.create({ model: NOVA, messages: [IMAGE_MESSAGE] });
    const content = (bedrock.requests[0]!.body.messages as { content: unknown[] }[])[0]!.content;
    expect(content[1]).toEqual({ image: { format: 'png', source: { bytes: PNG_BASE64 } } });
  });

  it('logprobs and n > 1, which Converse lacks, are a 400 naming them', async () => {
    expect((await rejection(client.chat.completions.create({ model: NOVA, messages: [{ role: 'user', content: 'hi' }], logprobs: true }))).param).toBe('logprobs');
    expect((await rejection(client.chat.completions.create({ model: NOVA, messages: [{ role: 'user', content: 'hi' }], n: 2 }))).param).toBe('n');
    expect(bedrock.requests).toHaveLength(0);
  });

  it('a throttled request (429) reaches the SDK, whose own retry succeeds', async () => {
    const { res, seen, upstreamCalls } = await sdkRetriesOn429({ baseURL: stack.baseURL, apiKey: key, fake: bedrock, model: NOVA });
    expect(seen).toEqual([429, 200]);
    expect(upstreamCalls).toBe(2);
    expect(res.choices[0]!.message.content).toBe('Echo: retry me');
  });

  it('an exception frame mid-stream makes the SDK throw after the first pieces', async () => {
    const { content, finishes, err } = await midStreamFailure(client, bedrock, NOVA, 'stream-error', 3);
    expect(content).toBe('one two ');
    expect(finishes).toEqual([]);
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });

  it('a frame with a bad CRC mid-stream makes the SDK throw', async () => {
    const { content, err } = await midStreamFailure(client, bedrock, NOVA, 'malformed', 3);
    expect(content).toBe('one two ');
    expect(err).toBeInstanceOf(OpenAI.APIError);
  });
});
