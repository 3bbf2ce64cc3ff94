import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '@gatewayz/errors';
import type { NormalizedUsage } from '../contract';
import { extractOpenAIError, normalizeOpenAIUsage, parseChatResponse } from './chat.response';

interface WireUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number };
  prompt_cache_hit_tokens?: number;
  prompt_cache_miss_tokens?: number;
}

const fixtureText = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const fixture = <T = Record<string, unknown>>(name: string) => JSON.parse(fixtureText(name)) as T;
const dec = new TextDecoder();

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

/** The normalized buckets never overlap: together they add up to what the provider billed. */
function expectTotals(usage: NormalizedUsage | undefined, wire: WireUsage): void {
  expect(usage).toBeDefined();
  const u = usage!;
  expect(u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens).toBe(wire.prompt_tokens);
  expect(u.outputTokens).toBe(wire.completion_tokens);
  expect(u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens + u.outputTokens).toBe(wire.total_tokens);
  expect(u.estimated).toBe(false);
}

describe('parseChatResponse (OpenAI-compatible)', () => {
  it('parses a chat.completion: content, finish reason, metadata and usage', () => {
    const body = fixture<{ usage: WireUsage }>('chat-completion.json');
    const { chunk, usage, meta } = parseChatResponse(body, 'openai');
    expect(chunk.choices).toHaveLength(1);
    const choice = chunk.choices![0]!;
    expect(choice).toMatchObject({ index: 0, role: 'assistant', content: 'Hello! How can I assist you today?', finishReason: 'stop' });
    expect(choice.toolCalls).toBeUndefined();
    expect(choice.refusal).toBeUndefined();
    expect(choice.logprobsJson).toBeUndefined();
    expect(meta).toEqual({ id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', systemFingerprint: 'fp_44709d6fcb' });
    // prompt_tokens (2006) includes the 1920 cached tokens; completion_tokens includes reasoning.
    expect(usage).toEqual({ inputTokens: 86, cacheReadTokens: 1920, cacheWriteTokens: 0, outputTokens: 300, reasoningTokens: 192, estimated: false });
    expectTotals(usage, body.usage);
  });

  it('parses two parallel tool calls with their indexes, ids, names and arguments', () => {
    const body = fixture<{ usage: WireUsage }>('chat-completion-tool-calls.json');
    const { chunk, usage } = parseChatResponse(body, 'openai');
    const choice = chunk.choices![0]!;
    expect(choice.finishReason).toBe('tool_calls');
    expect(choice.content).toBeUndefined();
    expect(choice.toolCalls).toEqual([
      { index: 0, id: 'call_abc123', name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' },
      { index: 1, id: 'call_def456', name: 'get_current_weather', arguments: '{\n"location": "Tokyo, Japan",\n"unit": "celsius"\n}' },
    ]);
    expect(JSON.parse(choice.toolCalls![1]!.arguments!)).toEqual({ location: 'Tokyo, Japan', unit: 'celsius' });
    expectTotals(usage, body.usage);
  });

  it('carries logprobs verbatim as JSON bytes', () => {
    const body = fixture<{ choices: { logprobs: unknown }[] }>('chat-completion-logprobs.json');
    const { chunk, meta } = parseChatResponse(body, 'openai');
    const choice = chunk.choices![0]!;
    expect(choice.content).toBe('Hello!');
    expect(choice.logprobsJson).toBeInstanceOf(Uint8Array);
    const logprobs = JSON.parse(dec.decode(choice.logprobsJson)) as { content: { token: string; top_logprobs: { token: string }[] }[] };
    expect(logprobs).toEqual(body.choices[0]!.logprobs);
    expect(logprobs.content.map((t) => t.token).join('')).toBe('Hello!');
    expect(logprobs.content[0]!.top_logprobs.map((t) => t.token)).toEqual(['Hello', 'Hi']);
    // A null system_fingerprint is not carried as a string.
    expect(meta.systemFingerprint).toBeUndefined();
  });

  it('parses DeepSeek: reasoning_content and prompt_cache_hit_tokens', () => {
    const body = fixture<{ usage: WireUsage }>('deepseek-reasoner.json');
    const { chunk, usage } = parseChatResponse(body, 'deepseek');
    const choice = chunk.choices![0]!;
    expect(choice.content).toBe('9.11 is smaller than 9.8.');
    expect(choice.reasoning).toBe('Compare the tenths digit: 1 is less than 8, so 9.11 < 9.8.');
    expect(usage).toEqual({ inputTokens: 256, cacheReadTokens: 1280, cacheWriteTokens: 0, outputTokens: 420, reasoningTokens: 398, estimated: false });
    expect(usage!.inputTokens).toBe(body.usage.prompt_cache_miss_tokens);
    expectTotals(usage, body.usage);
  });

  it('keeps every choice when n > 1, with its own index', () => {
    const { chunk } = parseChatResponse(
      {
        choices: [
          { index: 0, message: { role: 'assistant', content: 'a' }, finish_reason: 'stop' },
          { index: 1, message: { role: 'assistant', content: 'b' }, finish_reason: 'length' },
        ],
      },
      'openai',
    );
    expect(chunk.choices!.map((c) => [c.index, c.content, c.finishReason])).toEqual([
      [0, 'a', 'stop'],
      [1, 'b', 'length'],
    ]);
  });

  it('carries a refusal', () => {
    const { chunk } = parseChatResponse({ choices: [{ index: 0, message: { role: 'assistant', content: null, refusal: "I can't help with that." }, finish_reason: 'stop' }] }, 'openai');
    expect(chunk.choices![0]!.refusal).toBe("I can't help with that.");
    expect(chunk.choices![0]!.content).toBeUndefined();
  });

  it('returns undefined usage when the provider sent none', () => {
    expect(parseChatResponse({ choices: [] }, 'openai').usage).toBeUndefined();
  });

  it('throws a malformed-response error when there are no choices', () => {
    for (const body of [{}, null, 'text', { choices: 'x' }]) {
      const err = thrown(() => parseChatResponse(body, 'openai'));
      expect(err).toMatchObject({ status: 502, code: 'upstream_malformed_response', upstreamStatus: 200 });
    }
  });

  it('throws for an error object inside a 200 body (numeric code becomes the status)', () => {
    const rate = thrown(() => parseChatResponse({ error: { code: 429, message: 'Rate limit exceeded: free-models-per-day' } }, 'openrouter'));
    expect(rate).toMatchObject({ status: 429, upstreamStatus: 429, code: 'upstream_rate_limited', provider: 'openrouter' });
    expect(rate.message).toContain('free-models-per-day');
    const generic = thrown(() => parseChatResponse({ error: { message: 'boom', type: 'server_error', code: null } }, 'openai'));
    expect(generic).toMatchObject({ status: 502, upstreamStatus: 200, code: 'upstream_error' });
  });
});

describe('normalizeOpenAIUsage', () => {
  it('never lets cached tokens exceed the prompt', () => {
    const u = normalizeOpenAIUsage({ prompt_tokens: 10, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 50 } });
    expect(u).toMatchObject({ inputTokens: 0, cacheReadTokens: 10 });
  });

  it('splits OpenRouter cache writes out of the prompt', () => {
    const u = normalizeOpenAIUsage({ prompt_tokens: 1000, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 600, cache_write_tokens: 300 } });
    expect(u).toMatchObject({ inputTokens: 100, cacheReadTokens: 600, cacheWriteTokens: 300, outputTokens: 5 });
  });

  it('treats missing, negative and non-numeric counts as zero', () => {
    const u = normalizeOpenAIUsage({ prompt_tokens: -3, completion_tokens: Number.NaN, prompt_tokens_details: null, completion_tokens_details: null });
    expect(u).toEqual({ inputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 0, reasoningTokens: 0, estimated: false });
  });
});

describe('extractOpenAIError', () => {
  it('reads message, type, code and param from a 400 body', () => {
    const text = fixtureText('error-400.json');
    expect(extractOpenAIError(JSON.parse(text), text)).toEqual({
      message: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.",
      type: 'invalid_request_error',
      code: 'decimal_above_max_value',
      param: 'temperature',
    });
  });

  it('reads a 429 body and leaves a null param undefined', () => {
    const text = fixtureText('error-429.json');
    const detail = extractOpenAIError(JSON.parse(text), text);
    expect(detail).toMatchObject({ type: 'tokens', code: 'rate_limit_exceeded' });
    expect(detail.param).toBeUndefined();
    expect(detail.message).toMatch(/^Rate limit reached for gpt-4o/);
  });

  it('understands the shapes imitators use', () => {
    expect(extractOpenAIError({ error: 'model overloaded' }, '')).toEqual({ message: 'model overloaded' });
    expect(extractOpenAIError({ message: 'bad thing' }, '')).toEqual({ message: 'bad thing' });
    expect(extractOpenAIError({ detail: 'Not Found' }, '')).toEqual({ message: 'Not Found' });
  });

  it('falls back to the trimmed text, or nothing', () => {
    expect(extractOpenAIError(undefined, '  <html>502 Bad Gateway</html>\n')).toEqual({ message: '<html>502 Bad Gateway</html>' });
    expect(extractOpenAIError(undefined, 'x'.repeat(2000)).message).toHaveLength(500);
    expect(extractOpenAIError(undefined, '   ')).toEqual({ message: undefined });
  });
});
