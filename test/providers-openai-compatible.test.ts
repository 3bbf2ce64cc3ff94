import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import {
  IMAGE_MESSAGE,
  PERSON_FORMAT,
  PERSON_JSON,
  PNG_BASE64,
  TWO_CALLS,
  WEATHER_TOOL,
  assembled,
  collect,
  midStreamFailure,
  rejection,
  sdkRetriesOn429,
  type UsageWithCost,
} from './support/provider-scenarios';

/**
 * The OpenAI-compatible family end to end, through its quirky members: Azure OpenAI (deployment
 * URL, api-version, api-key header), Fireworks (accounts/fireworks/models/ ids) and Cloudflare
 * Workers AI (account id in the URL; no n, no logprobs).
 */
const AZURE_MODEL = 'openai/gpt-4o-mini';
const FIREWORKS_MODEL = 'meta-llama/llama-3.3-70b-instruct';
const CLOUDFLARE_MODEL = 'meta-llama/llama-3.1-8b-instruct';

describe('OpenAI-compatible providers through the gateway (openai SDK)', () => {
  let stack: TestStack;
  let azure: FakeUpstream;
  let fireworks: FakeUpstream;
  let cloudflare: FakeUpstream;
  let deepseek: FakeUpstream;
  let client: OpenAI;
  let key: string;

  beforeAll(async () => {
    [azure, fireworks, cloudflare, deepseek] = await Promise.all([fakeOpenAI(), fakeOpenAI(), fakeOpenAI(), fakeOpenAI()]);
    stack = await startStack({
      env: {
        AZURE_API_KEY: 'azure-upstream-key',
        AZURE_BASE_URL: azure.url,
        AZURE_API_VERSION: '2024-10-21',
        FIREWORKS_API_KEY: 'fw-upstream-key',
        FIREWORKS_BASE_URL: fireworks.url,
        CLOUDFLARE_API_KEY: 'cf-upstream-key',
        CLOUDFLARE_ACCOUNT_ID: 'acc-0123',
        CLOUDFLARE_BASE_URL: cloudflare.url,
        DEEPSEEK_API_KEY: 'ds-upstream-key',
        DEEPSEEK_BASE_URL: deepseek.url,
        RATE_LIMIT_RETRIES: '0',
      },
    });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await Promise.all([azure.close(), fireworks.close(), cloudflare.close(), deepseek.close()]);
  });

  beforeEach(() => {
    for (const f of [azure, fireworks, cloudflare, deepseek]) f.reset();
  });

  describe('Azure OpenAI', () => {
    it('text: deployment URL with api-version, api-key header, no bearer; usage with cost', async () => {
      const res = await client.chat.completions.create({ model: AZURE_MODEL, messages: [{ role: 'user', content: 'hello azure' }], user: 'u-1', seed: 7 });
      expect(res.choices[0]!.message.content).toBe('Echo: hello azure');
      const usage = res.usage as UsageWithCost;
      expect(usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3, total_tokens: 13 });
      expect(usage.cost).toBeGreaterThan(0);
      const up = azure.requests[0]!;
      expect(up.path).toBe('/openai/deployments/gpt-4o-mini/chat/completions?api-version=2024-10-21');
      expect(up.headers['api-key']).toBe('azure-upstream-key');
      expect(up.headers.authorization).toBeUndefined();
      expect(up.body).toMatchObject({ user: 'u-1', seed: 7 });
    });

    it('stream with include_usage: content, finish, one usage chunk', async () => {
      const out = await collect(await client.chat.completions.create({ model: AZURE_MODEL, messages: [{ role: 'user', content: 'stream it' }], stream: true, stream_options: { include_usage: true } }));
      expect(out.content).toBe('Echo: stream it');
      expect(out.finish).toEqual(['stop']);
      expect(out.usage).toMatchObject({ prompt_tokens: 10, completion_tokens: 3 });
      expect(out.usage!.cost).toBeGreaterThan(0);
      expect(azure.requests[0]!.body.stream_options).toEqual({ include_usage: true });
    });

    it('streamed parallel tool calls keep indexes 0 and 1', async () => {
      azure.enqueue({ kind: 'reply', toolCalls: TWO_CALLS });
      const out = await collect(await client.chat.completions.create({ model: AZURE_MODEL, messages: [{ role: 'user', content: 'weather?' }], tools: [WEATHER_TOOL], stream: true }));
      expect(assembled(out.toolDeltas)).toEqual([
        { id: 'call_paris', name: 'get_weather', args: { city: 'Paris' } },
        { id: 'call_tokyo', name: 'get_weather', args: { city: 'Tokyo' } },
      ]);
      expect(out.finish).toEqual(['tool_calls']);
    });

    it('json_schema (strict) passes through; the JSON answer parses', async () => {
      azure.enqueue({ kind: 'reply', content: PERSON_JSON });
      const res = await client.chat.completions.create({ model: AZURE_MODEL, messages: [{ role: 'user', content: 'who?' }], response_format: PERSON_FORMAT });
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
      expect(azure.requests[0]!.body.response_format).toEqual(PERSON_FORMAT);
    });

    it('logprobs with top_logprobs: arrays per the OpenAI spec, streamed and not', async () => {
      const res = await client.chat.completions.create({ model: AZURE_MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 2 });
      const lp = res.choices[0]!.logprobs!;
      expect(lp.content!.map((t) => t.token).join('')).toBe('Echo: hi');
      expect(lp.content!.every((t) => Array.isArray(t.top_logprobs) && t.top_logprobs.length === 2 && Array.isArray(t.bytes))).toBe(true);
      const out = await collect(await client.chat.completions.create({ model: AZURE_MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true, top_logprobs: 1, stream: true }));
      const streamed = out.chunks.flatMap((c) => c.choices[0]?.logprobs?.content ?? []);
      expect(streamed.map((t) => t.token).join('')).toBe('Echo: hi');
    });

    it('images in (base64 data URL) reach the upstream unchanged', async () => {
      await client.chat.completions.create({ model: AZURE_MODEL, messages: [IMAGE_MESSAGE] });
      const parts = (azure.requests[0]!.body.messages as { content: { type: string; image_url?: { url: string } }[] }[])[0]!.content;
      expect(parts[1]).toEqual({ type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } });
    });

    it("a 429 with retry-after-ms reaches the SDK, whose own retry succeeds", async () => {
      const { res, seen, upstreamCalls } = await sdkRetriesOn429({ baseURL: stack.baseURL, apiKey: key, fake: azure, model: AZURE_MODEL, headers: { 'retry-after-ms': '20' } });
      expect(seen).toEqual([429, 200]);
      expect(upstreamCalls).toBe(2);
      expect(res.choices[0]!.message.content).toBe('Echo: retry me');
    });

    it('an in-stream error after the first chunks makes the SDK throw, with no finish_reason', async () => {
      const { content, finishes, err } = await midStreamFailure(client, azure, AZURE_MODEL, 'stream-error');
      expect(content).toBe('one two ');
      expect(finishes).toEqual([]);
      expect(err).toBeInstanceOf(OpenAI.APIError);
    });
  });

  describe('Fireworks', () => {
    it('sends accounts/fireworks/models/<id>, max_tokens, no stream_options; usage counted from the last chunk', async () => {
      const out = await collect(
        await client.chat.completions.create({ model: FIREWORKS_MODEL, messages: [{ role: 'user', content: 'fire away' }], max_completion_tokens: 50, stream: true, stream_options: { include_usage: true } }),
      );
      expect(out.content).toBe('Echo: fire away');
      const up = fireworks.requests[0]!;
      expect(up.body.model).toBe('accounts/fireworks/models/llama-v3p3-70b-instruct');
      expect(up.body.max_tokens).toBe(50);
      expect(up.body).not.toHaveProperty('stream_options');
      expect(up.headers.authorization).toBe('Bearer fw-upstream-key');
      // The fake sends no usage without stream_options: the gateway counts it (Llama 3 → cl100k_base).
      expect(out.usage!.prompt_tokens).toBeGreaterThan(0);
      expect(out.usage!.completion_tokens).toBeGreaterThan(0);
    });

    it('fails over to the next provider (Cloudflare) before the first byte', async () => {
      fireworks.enqueue({ kind: 'status', status: 503, message: 'overloaded' });
      const res = await client.chat.completions.create({ model: FIREWORKS_MODEL, messages: [{ role: 'user', content: 'fail over' }] });
      expect(res.choices[0]!.message.content).toBe('Echo: fail over');
      expect((res as { provider?: string }).provider).toBe('cloudflare');
      expect(cloudflare.requests[0]!.body.model).toBe('@cf/meta/llama-3.3-70b-instruct-fp8-fast');
    });

    it('a malformed stream line after the first chunks makes the SDK throw', async () => {
      const { content, err } = await midStreamFailure(client, fireworks, FIREWORKS_MODEL, 'malformed');
      expect(content).toBe('one two ');
      expect(err).toBeInstanceOf(OpenAI.APIError);
    });
  });

  describe('Cloudflare Workers AI', () => {
    it('account id in the URL; tools with tool_choice required', async () => {
      cloudflare.enqueue({ kind: 'reply', toolCalls: [TWO_CALLS[0]!] });
      const res = await client.chat.completions.create({ model: CLOUDFLARE_MODEL, messages: [{ role: 'user', content: 'weather in Paris' }], tools: [WEATHER_TOOL], tool_choice: 'required' });
      expect(res.choices[0]!.finish_reason).toBe('tool_calls');
      expect(res.choices[0]!.message.tool_calls![0]).toMatchObject({ id: 'call_paris', function: { name: 'get_weather' } });
      const up = cloudflare.requests[0]!;
      expect(up.path).toBe('/accounts/acc-0123/ai/v1/chat/completions');
      expect(up.body).toMatchObject({ model: '@cf/meta/llama-3.1-8b-instruct', tool_choice: 'required' });
    });

    it('n > 1 and logprobs, which Workers AI cannot honour, are a 400 naming the parameter (no upstream call)', async () => {
      const n = await rejection(client.chat.completions.create({ model: CLOUDFLARE_MODEL, messages: [{ role: 'user', content: 'hi' }], n: 2 }));
      expect(n.status).toBe(400);
      expect(n.param).toBe('n');
      const lp = await rejection(client.chat.completions.create({ model: CLOUDFLARE_MODEL, messages: [{ role: 'user', content: 'hi' }], logprobs: true }));
      expect(lp.param).toBe('logprobs');
      expect(cloudflare.requests).toHaveLength(0);
    });

  });

  describe('a parameter the first provider cannot honour', () => {
    it('moves the request to the next provider that can: json_schema skips DeepSeek (JSON mode only) for Fireworks', async () => {
      fireworks.enqueue({ kind: 'reply', content: PERSON_JSON });
      const res = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'who?' }], response_format: PERSON_FORMAT });
      expect((res as { provider?: string }).provider).toBe('fireworks');
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
      expect(deepseek.requests).toHaveLength(0);
      expect(fireworks.requests[0]!.body).toMatchObject({ model: 'accounts/fireworks/models/deepseek-v3', response_format: PERSON_FORMAT });
    });

    it('while json_object stays with DeepSeek', async () => {
      deepseek.enqueue({ kind: 'reply', content: '{"ok":true}' });
      const res = await client.chat.completions.create({ model: 'deepseek/deepseek-chat', messages: [{ role: 'user', content: 'json' }], response_format: { type: 'json_object' } });
      expect((res as { provider?: string }).provider).toBe('deepseek');
      expect(JSON.parse(res.choices[0]!.message.content!)).toEqual({ ok: true });
    });
  });
});
