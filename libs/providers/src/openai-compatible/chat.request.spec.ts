import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { ChatCall } from '../contract';
import { buildChatRequest } from './chat.request';
import { OPENAI_COMPATIBLE } from './providers';

interface CallOptions {
  provider?: string;
  stream?: boolean;
  apiKey?: string;
  baseUrl?: string;
}

function call(extra: Partial<ChatCompletionRequest> = {}, opts: CallOptions = {}): ChatCall {
  const provider = opts.provider ?? 'openai';
  const baseUrl = opts.baseUrl ?? 'https://api.example.test/v1';
  return {
    target: { provider, adapter: 'openai-compatible', nativeModel: 'native-model-7b', baseUrl },
    credentials: { apiKey: 'apiKey' in opts ? opts.apiKey : 'sk-test-key', baseUrl },
    request: { model: 'gatewayz/alias', messages: [{ role: 'user', content: 'Hi' }], ...extra },
    stream: opts.stream ?? false,
    requestId: 'req-123',
    signal: new AbortController().signal,
    maxOutputTokens: 4096,
  };
}

const bodyOf = (c: ChatCall) => buildChatRequest(c).body;

describe('buildChatRequest (OpenAI-compatible)', () => {
  it('replaces the model with the native id and keeps the messages', () => {
    const body = bodyOf(call());
    expect(body.model).toBe('native-model-7b');
    expect(body.messages).toEqual([{ role: 'user', content: 'Hi' }]);
  });

  it('posts to <baseUrl>/chat/completions, trimming trailing slashes', () => {
    expect(buildChatRequest(call({}, { baseUrl: 'https://api.example.test/v1//' })).url).toBe('https://api.example.test/v1/chat/completions');
  });

  describe('streaming', () => {
    it('forces stream_options.include_usage when streaming, even if the client turned it off', () => {
      const body = bodyOf(call({ stream: true, stream_options: { include_usage: false } }, { stream: true }));
      expect(body.stream).toBe(true);
      expect(body.stream_options).toEqual({ include_usage: true });
    });

    it('sets stream:true from the call even if the request did not ask', () => {
      const body = bodyOf(call({}, { stream: true }));
      expect(body.stream).toBe(true);
      expect(body.stream_options).toEqual({ include_usage: true });
    });

    it('removes stream and stream_options when not streaming', () => {
      const body = bodyOf(call({ stream: true, stream_options: { include_usage: true } }, { stream: false }));
      expect(body).not.toHaveProperty('stream');
      expect(body).not.toHaveProperty('stream_options');
    });

    it('drops stream_options for a provider that does not support stream usage', () => {
      OPENAI_COMPATIBLE['test-no-usage'] = { streamUsage: false, maxTokensParam: 'max_tokens' };
      try {
        const body = bodyOf(call({ stream_options: { include_usage: true } }, { provider: 'test-no-usage', stream: true }));
        expect(body.stream).toBe(true);
        expect(body).not.toHaveProperty('stream_options');
      } finally {
        delete OPENAI_COMPATIBLE['test-no-usage'];
      }
    });
  });

  describe('per-provider excluded parameters', () => {
    const all: Partial<ChatCompletionRequest> = {
      logprobs: true,
      top_logprobs: 3,
      logit_bias: { '50256': -100 },
      n: 2,
      seed: 42,
      store: true,
      metadata: { team: 'a' },
      service_tier: 'auto',
      parallel_tool_calls: false,
      temperature: 0.5,
    };

    it('openai keeps every parameter', () => {
      const body = bodyOf(call(all));
      for (const key of Object.keys(all)) expect(body).toHaveProperty(key);
    });

    it('groq drops logprobs, top_logprobs, logit_bias, store, metadata, service_tier', () => {
      const body = bodyOf(call(all, { provider: 'groq' }));
      for (const key of ['logprobs', 'top_logprobs', 'logit_bias', 'store', 'metadata', 'service_tier']) expect(body).not.toHaveProperty(key);
      expect(body).toMatchObject({ n: 2, seed: 42, parallel_tool_calls: false, temperature: 0.5 });
    });

    it('deepseek drops n, seed, logit_bias and parallel_tool_calls but keeps logprobs', () => {
      const body = bodyOf(call(all, { provider: 'deepseek' }));
      for (const key of ['n', 'seed', 'logit_bias', 'store', 'metadata', 'service_tier', 'parallel_tool_calls']) expect(body).not.toHaveProperty(key);
      expect(body).toMatchObject({ logprobs: true, top_logprobs: 3, temperature: 0.5 });
    });

    it('together drops store, metadata and service_tier only', () => {
      const body = bodyOf(call(all, { provider: 'together' }));
      for (const key of ['store', 'metadata', 'service_tier']) expect(body).not.toHaveProperty(key);
      expect(body).toMatchObject({ logprobs: true, n: 2, seed: 42 });
    });

    it('an unlisted provider gets plain OpenAI behaviour', () => {
      const body = bodyOf(call({ ...all, max_tokens: 10 }, { provider: 'my-vllm' }));
      for (const key of Object.keys(all)) expect(body).toHaveProperty(key);
      expect(body.max_completion_tokens).toBe(10);
    });
  });

  describe('output-token limit name', () => {
    it.each([
      ['openai', 'max_completion_tokens', 'max_tokens'],
      ['groq', 'max_completion_tokens', 'max_tokens'],
      ['openrouter', 'max_tokens', 'max_completion_tokens'],
      ['together', 'max_tokens', 'max_completion_tokens'],
      ['deepseek', 'max_tokens', 'max_completion_tokens'],
    ])('%s sends %s', (provider, sent, absent) => {
      for (const extra of [{ max_tokens: 77 }, { max_completion_tokens: 77 }]) {
        const body = bodyOf(call(extra, { provider }));
        expect(body[sent]).toBe(77);
        expect(body).not.toHaveProperty(absent);
      }
    });

    it('prefers max_completion_tokens when both are present', () => {
      const body = bodyOf(call({ max_tokens: 10, max_completion_tokens: 20 }, { provider: 'openrouter' }));
      expect(body.max_tokens).toBe(20);
    });

    it('falls back to max_tokens when max_completion_tokens is null', () => {
      const body = bodyOf(call({ max_tokens: 30, max_completion_tokens: null }));
      expect(body.max_completion_tokens).toBe(30);
      expect(body).not.toHaveProperty('max_tokens');
    });

    it('sends no limit when none was given', () => {
      const body = bodyOf(call());
      expect(body).not.toHaveProperty('max_tokens');
      expect(body).not.toHaveProperty('max_completion_tokens');
    });
  });

  it('drops null parameters but keeps falsy values', () => {
    const body = bodyOf(call({ temperature: null, stop: null, seed: null, top_p: 0, presence_penalty: 0, logprobs: false }));
    expect(body).not.toHaveProperty('temperature');
    expect(body).not.toHaveProperty('stop');
    expect(body).not.toHaveProperty('seed');
    expect(body).toMatchObject({ top_p: 0, presence_penalty: 0, logprobs: false });
  });

  it('never sends gateway-only parameters', () => {
    const body = bodyOf(
      call({ provider: { order: ['openai'] }, models: ['a', 'b'], route: 'fallback', transforms: ['middle-out'], user: 'u-1' }, { provider: 'openrouter' }),
    );
    for (const key of ['provider', 'models', 'route', 'transforms']) expect(body).not.toHaveProperty(key);
    expect(body.user).toBe('u-1');
  });

  it('keeps unknown provider extensions', () => {
    expect(bodyOf(call({ top_k: 40 })).top_k).toBe(40);
  });

  describe('headers', () => {
    it('sends a bearer token when a key is set', () => {
      const { headers } = buildChatRequest(call({}, { apiKey: 'sk-abc' }));
      expect(headers.authorization).toBe('Bearer sk-abc');
      expect(headers['content-type']).toBe('application/json');
      expect(headers['x-request-id']).toBe('req-123');
    });

    it.each([[undefined], ['']])('sends no authorization header for key %p', (apiKey) => {
      const { headers } = buildChatRequest(call({}, { apiKey }));
      expect(Object.keys(headers).map((h) => h.toLowerCase())).not.toContain('authorization');
    });

    it('accepts SSE when streaming and JSON otherwise', () => {
      expect(buildChatRequest(call({}, { stream: true })).headers.accept).toBe('text/event-stream');
      expect(buildChatRequest(call({}, { stream: false })).headers.accept).toBe('application/json');
    });

    it("adds OpenRouter's attribution headers", () => {
      const { headers } = buildChatRequest(call({}, { provider: 'openrouter' }));
      expect(headers['HTTP-Referer']).toBe('https://gatewayz.ai');
      expect(headers['X-Title']).toBe('Gatewayz');
      expect(buildChatRequest(call()).headers).not.toHaveProperty('X-Title');
    });
  });

  it('does not mutate the canonical request', () => {
    const c = call({ max_tokens: 5, provider: { order: ['x'] }, seed: null }, { provider: 'deepseek', stream: true });
    const before = structuredClone(c.request);
    buildChatRequest(c);
    expect(c.request).toEqual(before);
  });
});
