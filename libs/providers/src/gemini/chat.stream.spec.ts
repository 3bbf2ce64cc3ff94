import { contentOf, choicesOf, fixture, reasoningOf, runStream, silentHooks, thrown, toolCallsOf } from '../spec-helpers';
import { SseParser } from '../sse/sse-parser';
import { GeminiStreamTranslator } from './chat.stream';

const translator = (hooks = silentHooks()) => new GeminiStreamTranslator('google', hooks);

describe('Gemini stream translation (streamGenerateContent?alt=sse)', () => {
  it('text parts → content deltas; role first; finish stop; cumulative usage (last wins)', () => {
    const t = translator();
    const chunks = runStream(fixture(__dirname, 'stream-text.txt'), t);
    expect(contentOf(chunks)).toBe('The capital of France is Paris.');
    expect(choicesOf(chunks)[0]!.role).toBe('assistant');
    expect(choicesOf(chunks).filter((c) => c.role).length).toBe(1);
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('stop');
    expect(t.result()).toEqual({ finished: true, meta: { id: 'streamResp01' }, usage: expect.objectContaining({ inputTokens: 10, outputTokens: 7 }) });
  });

  it('gives the same result whatever the network chunking', () => {
    const whole = runStream(fixture(__dirname, 'stream-function-calls.txt'), translator());
    for (const size of [1, 13, 100]) {
      const chunks = runStream(fixture(__dirname, 'stream-function-calls.txt'), translator(), { size });
      expect([...toolCallsOf(chunks).values()].map((c) => c.arguments)).toEqual([...toolCallsOf(whole).values()].map((c) => c.arguments));
    }
  });

  it('function calls in separate events keep stable indexes 0, 1 and end with tool_calls', () => {
    const chunks = runStream(fixture(__dirname, 'stream-function-calls.txt'), translator());
    const calls = toolCallsOf(chunks);
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)).toMatchObject({ name: 'get_weather', arguments: '{"city":"Paris"}', id: expect.stringMatching(/^call_/) });
    expect(calls.get(1)).toMatchObject({ name: 'get_weather', arguments: '{"city":"Tokyo"}' });
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('tool_calls');
  });

  it('thought parts stream as reasoning; thinking tokens are output and reasoning', () => {
    const t = translator();
    const chunks = runStream(fixture(__dirname, 'stream-thinking.txt'), t);
    expect(reasoningOf(chunks)).toContain('7 has no divisors.');
    expect(contentOf(chunks)).toBe('7 is prime.');
    expect(t.result().usage).toMatchObject({ inputTokens: 8, outputTokens: 44, reasoningTokens: 40 });
  });

  it('an in-stream error event throws a ProviderError after the content before it', () => {
    const t = translator();
    const parser = new SseParser();
    const seen: string[] = [];
    const err = thrown(() => {
      for (const e of parser.push(new TextEncoder().encode(fixture(__dirname, 'stream-error.txt')))) for (const c of t.push(e)) seen.push(...(c.choices ?? []).map((x) => x.content ?? ''));
    });
    expect(seen.join('')).toBe('Once upon');
    expect(err).toMatchObject({ status: 502, upstreamStatus: 503, message: expect.stringContaining('overloaded') });
    expect(t.result().finished).toBe(false);
  });

  it('is not finished when the stream stops before a finishReason', () => {
    const t = translator();
    runStream(fixture(__dirname, 'stream-text.txt').split('\n\n').slice(0, 2).join('\n\n') + '\n\n', t);
    expect(t.result().finished).toBe(false);
  });

  it('a 429 in the stream is a rate limit', () => {
    expect(thrown(() => translator().push({ event: undefined, id: undefined, data: '{"error":{"code":429,"status":"RESOURCE_EXHAUSTED","message":"slow down"}}' }))).toMatchObject({ status: 429 });
  });

  it.each(['{"candidates": [', 'null', '[1,2]'])('malformed data %p is a malformed response', (data) => {
    expect(thrown(() => translator().push({ event: undefined, id: undefined, data }))).toMatchObject({ code: 'upstream_malformed_response' });
  });

  it('an unknown JSON event is reported and passed through', () => {
    const hooks = silentHooks();
    const out = translator(hooks).push({ event: undefined, id: undefined, data: '{"groundingMetadata":{"webSearchQueries":["x"]}}' });
    expect(hooks.onUnrecognized).toHaveBeenCalledWith({ provider: 'google', sample: '{"groundingMetadata":{"webSearchQueries":["x"]}}' });
    expect(out[0]!.passthroughJson).toBeDefined();
  });

  it('n > 1: candidates stream under their own indexes and all must finish', () => {
    const t = translator();
    const ev = (data: object) => ({ event: undefined, id: undefined, data: JSON.stringify(data) });
    t.push(ev({ candidates: [{ index: 0, content: { parts: [{ text: 'A' }] } }, { index: 1, content: { parts: [{ text: 'B' }] } }] }));
    t.push(ev({ candidates: [{ index: 0, content: { parts: [{ text: '!' }] }, finishReason: 'STOP' }] }));
    expect(t.result().finished).toBe(false);
    const last = t.push(ev({ candidates: [{ index: 1, content: { parts: [] }, finishReason: 'MAX_TOKENS' }] }));
    expect(choicesOf(last)[0]).toMatchObject({ index: 1, finishReason: 'length' });
    expect(t.result().finished).toBe(true);
  });
});
