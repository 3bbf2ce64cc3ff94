import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '@gatewayz/errors';
import type { AnthropicMessage } from '@gatewayz/wire';
import { extractAnthropicError, finishReasonOf, normalizeAnthropicUsage, parseMessagesResponse, streamError } from './chat.response';

const fixtureText = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const message = (name: string) => JSON.parse(fixtureText(name)) as AnthropicMessage;

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('parseMessagesResponse (Anthropic)', () => {
  it('parses a text message with cache usage mapped one to one', () => {
    const body = message('message-text.json');
    const { chunk, usage, meta } = parseMessagesResponse(body, 'anthropic');
    expect(chunk.choices).toEqual([{ index: 0, role: 'assistant', content: 'Hi! My name is Claude.', finishReason: 'stop' }]);
    expect(meta).toEqual({ id: 'msg_013Zva2CMHLNnXjNJJKqJ2EF' });
    expect(usage).toEqual({ inputTokens: 21, cacheReadTokens: 1795, cacheWriteTokens: 188, outputTokens: 12, reasoningTokens: 0, estimated: false });
    // Anthropic's input_tokens excludes the cache: the buckets add up to the whole prompt.
    const u = body.usage;
    expect(usage!.inputTokens + usage!.cacheReadTokens + usage!.cacheWriteTokens).toBe(u.input_tokens! + u.cache_read_input_tokens! + u.cache_creation_input_tokens!);
  });

  it('parses parallel tool_use blocks into indexed tool calls with JSON arguments', () => {
    const body = message('message-tool-use.json');
    const { chunk, usage } = parseMessagesResponse(body, 'anthropic');
    const choice = chunk.choices![0]!;
    expect(choice.finishReason).toBe('tool_calls');
    expect(choice.content).toBe("I'll check the current weather in both cities for you.");
    expect(choice.toolCalls!.map((tc) => [tc.index, tc.id, tc.name])).toEqual([
      [0, 'toolu_01A09q90qw90lq917835lq9', 'get_weather'],
      [1, 'toolu_01B7d2f8kQ3nZ4hY9wXvT1mP', 'get_weather'],
    ]);
    expect(JSON.parse(choice.toolCalls![0]!.arguments!)).toEqual({ location: 'San Francisco, CA', unit: 'celsius' });
    expect(JSON.parse(choice.toolCalls![1]!.arguments!)).toEqual({ location: 'New York, NY', unit: 'celsius' });
    expect(usage).toMatchObject({ inputTokens: 472, outputTokens: 137, cacheReadTokens: 0, cacheWriteTokens: 0 });
  });

  it('omits content for a tool-only message', () => {
    const body = message('message-tool-use.json');
    body.content = body.content.filter((b) => b.type === 'tool_use');
    const choice = parseMessagesResponse(body, 'anthropic').chunk.choices![0]!;
    expect(choice.content).toBeUndefined();
    expect(choice.toolCalls).toHaveLength(2);
  });

  it('surfaces thinking as reasoning and max_tokens as length', () => {
    const { chunk, usage } = parseMessagesResponse(message('message-thinking.json'), 'anthropic');
    const choice = chunk.choices![0]!;
    expect(choice.reasoning).toBe('To find 27 * 453, break 453 into 400 + 50 + 3: 10800 + 1350 + 81 = 12231.');
    expect(choice.content).toBe('27 * 453 = 12,231');
    expect(choice.finishReason).toBe('length');
    expect(usage!.outputTokens).toBe(2048);
  });

  it('returns empty content (not undefined) for an empty message', () => {
    const { chunk } = parseMessagesResponse({ ...message('message-text.json'), content: [], stop_reason: null }, 'anthropic');
    expect(chunk.choices![0]).toMatchObject({ content: '', finishReason: 'stop' });
  });

  it('throws the upstream error for an error body', () => {
    const err = thrown(() => parseMessagesResponse(JSON.parse(fixtureText('error-400.json')), 'anthropic'));
    expect(err).toMatchObject({ status: 400, code: 'invalid_request', upstreamStatus: 400 });
    expect(err.message).toMatch(/^max_tokens: 100000 > 64000/);
  });

  it('throws a malformed-response error without content', () => {
    for (const body of [null, {}, { type: 'message', content: 'text' }]) {
      expect(thrown(() => parseMessagesResponse(body, 'anthropic'))).toMatchObject({ status: 502, code: 'upstream_malformed_response' });
    }
  });
});

describe('finishReasonOf', () => {
  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['pause_turn', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['some_future_reason', 'stop'],
  ])('%s → %s', (stop, finish) => {
    expect(finishReasonOf(stop)).toBe(finish);
  });

  it('is undefined while there is no stop reason yet', () => {
    expect(finishReasonOf(null)).toBeUndefined();
    expect(finishReasonOf(undefined)).toBeUndefined();
  });
});

describe('normalizeAnthropicUsage', () => {
  it('treats null cache counts as zero', () => {
    expect(normalizeAnthropicUsage({ input_tokens: 5, output_tokens: 2, cache_read_input_tokens: null, cache_creation_input_tokens: null })).toEqual({
      inputTokens: 5,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: 2,
      reasoningTokens: 0,
      estimated: false,
    });
  });
});

describe('streamError', () => {
  it.each([
    ['overloaded_error', 502, 529, 'upstream_error'],
    ['api_error', 502, 500, 'upstream_error'],
    ['rate_limit_error', 429, 429, 'upstream_rate_limited'],
    ['invalid_request_error', 400, 400, 'invalid_request'],
  ])('%s → status %d (upstream %d)', (type, status, upstreamStatus, code) => {
    const err = streamError('anthropic', { type, message: 'details here' });
    expect(err).toMatchObject({ status, upstreamStatus, code, provider: 'anthropic' });
    expect(err.message).toContain('details here');
  });

  it('treats a missing error object as api_error', () => {
    expect(streamError('anthropic', undefined)).toMatchObject({ status: 502, upstreamStatus: 500 });
  });
});

describe('extractAnthropicError', () => {
  it('reads the error type and message', () => {
    const text = fixtureText('error-400.json');
    expect(extractAnthropicError(JSON.parse(text), text)).toEqual({
      message: 'max_tokens: 100000 > 64000, which is the maximum allowed number of output tokens for claude-sonnet-4-20250514',
      type: 'invalid_request_error',
      code: 'invalid_request_error',
    });
  });

  it('falls back to the text body', () => {
    expect(extractAnthropicError(undefined, ' upstream connect error ')).toEqual({ message: 'upstream connect error' });
    expect(extractAnthropicError(undefined, '')).toEqual({ message: undefined });
  });
});
