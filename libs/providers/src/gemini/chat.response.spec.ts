import { choicesOf, fixture, fixtureJson, logprobsOf, thrown } from '../spec-helpers';
import { extractGeminiError, normalizeGeminiUsage, parseGenerateContentResponse } from './chat.response';

const parse = (name: string) => parseGenerateContentResponse(fixtureJson(__dirname, name), 'google');

describe('Gemini response translation', () => {
  it('text → one assistant choice, STOP → stop, usage and responseId', () => {
    const { chunk, usage, meta } = parse('generate-content-text.json');
    expect(chunk.choices).toEqual([{ index: 0, role: 'assistant', content: 'The capital of France is Paris.', finishReason: 'stop' }]);
    expect(usage).toEqual({ inputTokens: 10, cacheReadTokens: 0, cacheWriteTokens: 0, outputTokens: 7, reasoningTokens: 0, estimated: false });
    expect(meta.id).toBe('mEXFaJ3TCe2j_uMPqJuLyQo');
  });

  it('thought parts → reasoning; cached and thinking tokens into their own buckets (no double count)', () => {
    const { chunk, usage } = parse('generate-content-thinking-cached.json');
    expect(chunk.choices![0]).toMatchObject({ content: '7 is a prime number.', reasoning: 'The user asks for a prime. 7 is prime.' });
    // promptTokenCount 4120 includes the 4096 cached; output = 6 candidates + 112 thoughts.
    expect(usage).toEqual({ inputTokens: 24, cacheReadTokens: 4096, cacheWriteTokens: 0, outputTokens: 118, reasoningTokens: 112, estimated: false });
  });

  it('parallel functionCall parts → tool_calls 0 and 1 with ids, JSON arguments, finish tool_calls', () => {
    const choice = parse('generate-content-function-calls.json').chunk.choices![0]!;
    expect(choice.toolCalls).toEqual([
      { index: 0, id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city":"Paris"}' },
      { index: 1, id: expect.stringMatching(/^call_/), name: 'get_weather', arguments: '{"city":"Tokyo"}' },
    ]);
    expect(choice.toolCalls![0]!.id).not.toBe(choice.toolCalls![1]!.id);
    expect(choice.content).toBeUndefined();
    expect(choice.finishReason).toBe('tool_calls');
  });

  it('a blocked prompt → an empty answer with finish content_filter; a SAFETY stop → content_filter', () => {
    expect(parse('generate-content-blocked.json').chunk.choices).toEqual([{ index: 0, role: 'assistant', finishReason: 'content_filter' }]);
    expect(parse('generate-content-safety.json').chunk.choices![0]!.finishReason).toBe('content_filter');
  });

  it('logprobsResult → OpenAI logprobs content with top_logprobs arrays', () => {
    const { chunk } = parse('generate-content-logprobs.json');
    expect(logprobsOf([chunk])).toEqual([
      { token: 'Hello', logprob: -0.01, bytes: [72, 101, 108, 108, 111], top_logprobs: [{ token: 'Hello', logprob: -0.01, bytes: [72, 101, 108, 108, 111] }, { token: 'Hi', logprob: -4.8, bytes: [72, 105] }] },
      expect.objectContaining({ token: ' world', logprob: -0.21, top_logprobs: [expect.objectContaining({ token: ' world' }), expect.objectContaining({ token: ' there', logprob: -1.7 })] }),
    ]);
    expect(choicesOf([chunk])[0]!.content).toBe('Hello world');
  });

  it('an error object in a 200 body is a ProviderError', () => {
    expect(thrown(() => parseGenerateContentResponse({ error: { code: 500, message: 'Internal error', status: 'INTERNAL' } }, 'google'))).toMatchObject({ status: 502, upstreamStatus: 500 });
  });

  it('error bodies: the message, the status as code, and RetryInfo as a retry delay', () => {
    expect(extractGeminiError(fixtureJson(__dirname, 'error-429.json'), fixture(__dirname, 'error-429.json'))).toMatchObject({ code: 'RESOURCE_EXHAUSTED', retryAfterMs: 23_000, message: expect.stringContaining('quota') });
    expect(extractGeminiError(fixtureJson(__dirname, 'error-400.json'), '')).toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('response_schema') });
    expect(extractGeminiError(undefined, 'Bad Gateway')).toEqual({ message: 'Bad Gateway' });
  });

  it('tool-use prompt tokens count as input', () => {
    expect(normalizeGeminiUsage({ promptTokenCount: 10, toolUsePromptTokenCount: 5, candidatesTokenCount: 2 })).toMatchObject({ inputTokens: 15, outputTokens: 2 });
  });
});
