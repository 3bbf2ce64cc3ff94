import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { NormalizedUsage } from '../contract';
import { chatCall, choicesOf, contentOf, fixture, fixtureJson, logprobsOf, reasoningOf, runStream, silentHooks, thrown, toolCallsOf } from '../spec-helpers';
import { buildChatRequest } from './chat.request';
import { parseChatResponse } from './chat.response';
import { OpenAIStreamTranslator } from './chat.stream';
import { OPENAI_COMPATIBLE } from './providers';

/**
 * Every OpenAI-compatible provider in the table: where the request goes, how the key is sent,
 * the model id, and its response fixture (from the provider's API reference) read back.
 */
interface Row {
  slug: string;
  baseUrl: string;
  url: string;
  auth: Record<string, string>;
  model?: string;
  settings?: Record<string, string>;
  content: string;
  usage: Partial<NormalizedUsage>;
}

const bearer = { authorization: 'Bearer test-key' };
const ROWS: Row[] = [
  { slug: 'openai', baseUrl: 'https://api.openai.com/v1', url: 'https://api.openai.com/v1/chat/completions', auth: bearer, content: 'Hello! How can I assist you today?', usage: { inputTokens: 19, outputTokens: 10 } },
  {
    slug: 'azure',
    baseUrl: 'https://my-resource.openai.azure.com/',
    url: 'https://my-resource.openai.azure.com/openai/deployments/native-model/chat/completions?api-version=2024-10-21',
    auth: { 'api-key': 'test-key' },
    content: 'Hello from Azure.',
    usage: { inputTokens: 13, outputTokens: 4 },
  },
  { slug: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1', url: 'https://openrouter.ai/api/v1/chat/completions', auth: bearer, content: 'Hello from OpenRouter.', usage: { inputTokens: 14, outputTokens: 5 } },
  { slug: 'groq', baseUrl: 'https://api.groq.com/openai/v1', url: 'https://api.groq.com/openai/v1/chat/completions', auth: bearer, content: 'Hello from Groq.', usage: { inputTokens: 18, outputTokens: 5 } },
  { slug: 'together', baseUrl: 'https://api.together.xyz/v1', url: 'https://api.together.xyz/v1/chat/completions', auth: bearer, content: 'Hello from Together.', usage: { inputTokens: 16, outputTokens: 5 } },
  {
    slug: 'fireworks',
    baseUrl: 'https://api.fireworks.ai/inference/v1',
    url: 'https://api.fireworks.ai/inference/v1/chat/completions',
    auth: bearer,
    model: 'accounts/fireworks/models/native-model',
    content: 'Hello from Fireworks.',
    usage: { inputTokens: 17, outputTokens: 5 },
  },
  { slug: 'deepseek', baseUrl: 'https://api.deepseek.com', url: 'https://api.deepseek.com/chat/completions', auth: bearer, content: 'Hello from DeepSeek.', usage: { inputTokens: 8, cacheReadTokens: 8, outputTokens: 5 } },
  { slug: 'mistral', baseUrl: 'https://api.mistral.ai/v1', url: 'https://api.mistral.ai/v1/chat/completions', auth: bearer, content: 'Hello from Mistral.', usage: { inputTokens: 10, outputTokens: 5 } },
  // xAI reports reasoning outside completion_tokens (total = 32 + 9 + 94).
  { slug: 'xai', baseUrl: 'https://api.x.ai/v1', url: 'https://api.x.ai/v1/chat/completions', auth: bearer, content: '101 multiplied by 3 is 303.', usage: { inputTokens: 26, cacheReadTokens: 6, outputTokens: 103, reasoningTokens: 94 } },
  { slug: 'cerebras', baseUrl: 'https://api.cerebras.ai/v1', url: 'https://api.cerebras.ai/v1/chat/completions', auth: bearer, content: 'Hello from Cerebras.', usage: { inputTokens: 12, outputTokens: 5 } },
  { slug: 'perplexity', baseUrl: 'https://api.perplexity.ai', url: 'https://api.perplexity.ai/chat/completions', auth: bearer, content: 'Paris is the capital of France.[1]', usage: { inputTokens: 8, outputTokens: 9 } },
  { slug: 'deepinfra', baseUrl: 'https://api.deepinfra.com/v1/openai', url: 'https://api.deepinfra.com/v1/openai/chat/completions', auth: bearer, content: 'Hello from DeepInfra.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'novita', baseUrl: 'https://api.novita.ai/v3/openai', url: 'https://api.novita.ai/v3/openai/chat/completions', auth: bearer, content: 'Hello from Novita.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'hyperbolic', baseUrl: 'https://api.hyperbolic.xyz/v1', url: 'https://api.hyperbolic.xyz/v1/chat/completions', auth: bearer, content: 'Hello from Hyperbolic.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'sambanova', baseUrl: 'https://api.sambanova.ai/v1', url: 'https://api.sambanova.ai/v1/chat/completions', auth: bearer, content: 'Hello from SambaNova.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'nebius', baseUrl: 'https://api.studio.nebius.com/v1', url: 'https://api.studio.nebius.com/v1/chat/completions', auth: bearer, content: 'Hello from Nebius.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'featherless', baseUrl: 'https://api.featherless.ai/v1', url: 'https://api.featherless.ai/v1/chat/completions', auth: bearer, content: 'Hello from Featherless.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'chutes', baseUrl: 'https://llm.chutes.ai/v1', url: 'https://llm.chutes.ai/v1/chat/completions', auth: bearer, content: 'Hello from Chutes.', usage: { inputTokens: 15, outputTokens: 5 } },
  {
    slug: 'cloudflare',
    baseUrl: 'https://api.cloudflare.com/client/v4',
    url: 'https://api.cloudflare.com/client/v4/accounts/acc-123/ai/v1/chat/completions',
    settings: { accountId: 'acc-123' },
    auth: bearer,
    content: 'Hello from Workers AI.',
    usage: { inputTokens: 15, outputTokens: 5 },
  },
  {
    slug: 'alibaba',
    baseUrl: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1',
    url: 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1/chat/completions',
    auth: bearer,
    content: 'Hello from Qwen.',
    usage: { inputTokens: 22, outputTokens: 5 },
  },
  // Moonshot's cached_tokens sits at the top of usage.
  { slug: 'moonshot', baseUrl: 'https://api.moonshot.ai/v1', url: 'https://api.moonshot.ai/v1/chat/completions', auth: bearer, content: 'Hello from Kimi.', usage: { inputTokens: 9, cacheReadTokens: 10, outputTokens: 5 } },
  { slug: 'zhipu', baseUrl: 'https://open.bigmodel.cn/api/paas/v4', url: 'https://open.bigmodel.cn/api/paas/v4/chat/completions', auth: bearer, content: 'Hello from GLM.', usage: { inputTokens: 12, outputTokens: 5 } },
  { slug: 'nvidia', baseUrl: 'https://integrate.api.nvidia.com/v1', url: 'https://integrate.api.nvidia.com/v1/chat/completions', auth: bearer, content: 'Hello from NIM.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', url: 'http://127.0.0.1:11434/v1/chat/completions', auth: bearer, content: 'Hello from Ollama.', usage: { inputTokens: 26, outputTokens: 5 } },
  { slug: 'vllm', baseUrl: 'http://127.0.0.1:8000/v1', url: 'http://127.0.0.1:8000/v1/chat/completions', auth: bearer, content: 'Hello from vLLM.', usage: { inputTokens: 15, outputTokens: 5 } },
  { slug: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1', url: 'http://127.0.0.1:1234/v1/chat/completions', auth: bearer, content: 'Hello from LM Studio.', usage: { inputTokens: 15, outputTokens: 5 } },
];

const call = (slug: string, request: Partial<ChatCompletionRequest> = {}, options: { baseUrl?: string; settings?: Record<string, string>; stream?: boolean; apiKey?: string } = {}) =>
  chatCall({
    provider: slug,
    adapter: 'openai-compatible',
    nativeModel: 'native-model',
    request,
    stream: options.stream,
    credentials: { baseUrl: options.baseUrl ?? 'https://api.example.test/v1', ...(options.settings ? { settings: options.settings } : {}), ...('apiKey' in options ? { apiKey: options.apiKey } : {}) },
  });

describe('the OpenAI-compatible table', () => {
  it('covers 26 providers, each with a row here', () => {
    expect(Object.keys(OPENAI_COMPATIBLE).sort()).toEqual(ROWS.map((r) => r.slug).sort());
    expect(ROWS).toHaveLength(26);
  });

  describe.each(ROWS)('$slug', (row) => {
    it('posts to its endpoint with its auth header and model id', () => {
      const built = buildChatRequest(call(row.slug, {}, { baseUrl: row.baseUrl, settings: row.settings }));
      expect(built.url).toBe(row.url);
      expect(built.headers).toMatchObject(row.auth);
      expect(built.body.model).toBe(row.model ?? 'native-model');
    });

    it('reads its response fixture: content, usage buckets, id', () => {
      const body = fixtureJson<{ id: string }>(__dirname, `providers/${row.slug}.json`);
      const { chunk, usage, meta } = parseChatResponse(body, row.slug);
      expect(contentOf([chunk])).toBe(row.content);
      expect(choicesOf([chunk])[0]!.finishReason).toBe('stop');
      expect(usage).toMatchObject(row.usage);
      expect(meta.id).toBe(body.id);
    });
  });
});

describe('per-provider translation', () => {
  const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: {} } } };

  it('Azure: api-version from AZURE_API_VERSION, no Authorization header', () => {
    const built = buildChatRequest(call('azure', {}, { baseUrl: 'https://r.openai.azure.com', settings: { apiVersion: '2025-01-01-preview' } }));
    expect(built.url).toBe('https://r.openai.azure.com/openai/deployments/native-model/chat/completions?api-version=2025-01-01-preview');
    expect(built.headers).not.toHaveProperty('authorization');
  });

  it('Fireworks keeps an id that is already a full accounts/ path', () => {
    const c = call('fireworks');
    c.target.nativeModel = 'accounts/my-team/models/custom-llama';
    expect(buildChatRequest(c).body.model).toBe('accounts/my-team/models/custom-llama');
  });

  it('a keyless local server gets no auth header', () => {
    expect(buildChatRequest(call('ollama', {}, { apiKey: undefined })).headers).not.toHaveProperty('authorization');
  });

  it('Mistral: seed → random_seed; user dropped; no stream_options', () => {
    const body = buildChatRequest(call('mistral', { seed: 42, user: 'u-1', stream: true }, { stream: true })).body;
    expect(body).toMatchObject({ random_seed: 42, stream: true });
    expect(body).not.toHaveProperty('seed');
    expect(body).not.toHaveProperty('user');
    expect(body).not.toHaveProperty('stream_options');
  });

  it('Zhipu: user → user_id; reasoning_effort → thinking; only tool_choice auto', () => {
    const body = buildChatRequest(call('zhipu', { user: 'u-1', reasoning_effort: 'high', tools: [weather], tool_choice: 'auto' })).body;
    expect(body).toMatchObject({ user_id: 'u-1', thinking: { type: 'enabled' }, tool_choice: 'auto' });
    expect(body).not.toHaveProperty('reasoning_effort');
    expect(thrown(() => buildChatRequest(call('zhipu', { tools: [weather], tool_choice: 'required' })))).toMatchObject({ status: 400, param: 'tool_choice' });
  });

  it("tool_choice 'none' where unsupported removes the tools instead (same meaning)", () => {
    const body = buildChatRequest(call('zhipu', { tools: [weather], tool_choice: 'none', parallel_tool_calls: true })).body;
    for (const key of ['tools', 'tool_choice', 'parallel_tool_calls']) expect(body).not.toHaveProperty(key);
  });

  it('Moonshot: temperature above 1 is refused; a named tool is refused', () => {
    expect(thrown(() => buildChatRequest(call('moonshot', { temperature: 1.3 })))).toMatchObject({ status: 400, param: 'temperature' });
    expect(thrown(() => buildChatRequest(call('moonshot', { tools: [weather], tool_choice: { type: 'function', function: { name: 'get_weather' } } })))).toMatchObject({ param: 'tool_choice' });
  });

  it.each([
    ['openrouter', 'medium', { reasoning: { effort: 'medium' } }],
    ['xai', 'minimal', { reasoning_effort: 'low' }],
    ['xai', 'medium', { reasoning_effort: 'high' }],
    ['alibaba', 'low', { enable_thinking: true, thinking_budget: 2048 }],
    ['groq', 'low', { reasoning_effort: 'low' }],
  ] as const)('%s: reasoning_effort %s → %p', (slug, effort, expected) => {
    const body = buildChatRequest(call(slug, { reasoning_effort: effort })).body;
    expect(body).toMatchObject(expected);
  });

  it('Mistral and Moonshot drop reasoning_effort (nothing to set)', () => {
    expect(buildChatRequest(call('mistral', { reasoning_effort: 'high' })).body).not.toHaveProperty('reasoning_effort');
  });

  it.each([
    ['perplexity', { tools: [weather] }, 'tools'],
    ['perplexity', { response_format: { type: 'json_object' as const } }, 'response_format'],
    ['cerebras', { n: 3 }, 'n'],
    ['cloudflare', { logprobs: true }, 'logprobs'],
    ['sambanova', { logprobs: true, top_logprobs: 2 }, 'logprobs'],
    ['deepseek', { response_format: { type: 'json_schema' as const, json_schema: { name: 'x' } } }, 'response_format'],
    ['ollama', { n: 2 }, 'n'],
    ['ollama', { tools: [weather], tool_choice: 'required' as const }, 'tool_choice'],
  ])('%s refuses %p naming %s', (slug, request, param) => {
    expect(thrown(() => buildChatRequest(call(slug, request)))).toMatchObject({ status: 400, param, code: 'unsupported_parameter', upstreamStatus: 0 });
  });

  it('the same parameters at their defaults are accepted (n 1, logprobs false)', () => {
    expect(() => buildChatRequest(call('cerebras', { n: 1, logprobs: false }))).not.toThrow();
  });
});

describe('provider response and stream quirks', () => {
  const stream = (slug: string, name: string) => {
    const t = new OpenAIStreamTranslator(slug, silentHooks());
    return { chunks: runStream(fixture(__dirname, `providers/${name}`), t), result: t.result() };
  };

  it('Azure: the prompt_filter_results chunk (no choices) is skipped; content, usage and the real id kept', () => {
    const { chunks, result } = stream('azure', 'azure-stream.txt');
    expect(contentOf(chunks)).toBe('Hello from Azure.');
    expect(result).toMatchObject({ finished: true, meta: { id: 'chatcmpl-AzStream01' }, usage: { inputTokens: 13, outputTokens: 4 } });
  });

  it('Groq: usage from x_groq in the last chunk', () => {
    const { chunks, result } = stream('groq', 'groq-stream.txt');
    expect(contentOf(chunks)).toBe('Hello from Groq.');
    expect(result.usage).toMatchObject({ inputTokens: 18, outputTokens: 5 });
  });

  it('Moonshot: usage inside the last choice', () => {
    const { result } = stream('moonshot', 'moonshot-stream.txt');
    expect(result.usage).toMatchObject({ inputTokens: 9, cacheReadTokens: 10, outputTokens: 5 });
  });

  it('Perplexity: chunks typed chat.completion carrying message and delta; the delta counts, never both', () => {
    const { chunks, result } = stream('perplexity', 'perplexity-stream.txt');
    expect(contentOf(chunks)).toBe('Paris is the capital of France.[1]');
    expect(result).toMatchObject({ finished: true, usage: { inputTokens: 8, outputTokens: 9 } });
  });

  it('tool-call deltas without an index: a new id opens the next index, id-less deltas continue the last', () => {
    const { chunks } = stream('ollama', 'stream-tool-calls-without-index.txt');
    const calls = toolCallsOf(chunks);
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)).toEqual({ id: 'call_aa', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(calls.get(1)).toEqual({ id: 'call_bb', name: 'get_weather', arguments: '{"city":"Tokyo"}' });
  });

  it('Together: legacy completions-style logprobs become OpenAI chat logprobs', () => {
    const { chunk } = parseChatResponse(fixtureJson(__dirname, 'providers/together-logprobs.json'), 'together');
    expect(logprobsOf([chunk])).toEqual([
      { token: 'Hello', logprob: -0.0123, bytes: [72, 101, 108, 108, 111], top_logprobs: [{ token: 'Hello', logprob: -0.0123, bytes: [72, 101, 108, 108, 111] }, { token: 'Hi', logprob: -4.5, bytes: [72, 105] }] },
      { token: '!', logprob: -0.5, bytes: [33], top_logprobs: [{ token: '!', logprob: -0.5, bytes: [33] }, { token: '.', logprob: -1.2, bytes: [46] }] },
    ]);
  });

  it('Mistral Magistral: typed content chunks → text and reasoning', () => {
    const { chunk } = parseChatResponse(fixtureJson(__dirname, 'providers/mistral-magistral.json'), 'mistral');
    expect(contentOf([chunk])).toBe('The answer is 4.');
    expect(reasoningOf([chunk])).toBe('2+2 is 4.');
  });

  it('xAI and Zhipu: reasoning_content in the message', () => {
    expect(reasoningOf([parseChatResponse(fixtureJson(__dirname, 'providers/xai.json'), 'xai').chunk])).toBe('First, 101 times 3... 303.');
    expect(reasoningOf([parseChatResponse(fixtureJson(__dirname, 'providers/zhipu.json'), 'zhipu').chunk])).toBe('Greeting.');
  });
});
