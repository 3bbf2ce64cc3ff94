import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '@gatewayz/errors';
import type { AdapterHooks, NormalizedChunk } from '../contract';
import { SseParser } from '../sse/sse-parser';
import { OpenAIStreamTranslator } from './chat.stream';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const enc = new TextEncoder();
const dec = new TextDecoder();

function hooks(): AdapterHooks & { onUnrecognized: jest.Mock } {
  return { onUnrecognized: jest.fn() };
}

/** Feeds SSE text through the parser and translator, in network pieces of `pieceSize` bytes. */
function translate(text: string, t: OpenAIStreamTranslator, pieceSize = Infinity): NormalizedChunk[] {
  const parser = new SseParser();
  const bytes = enc.encode(text);
  const out: NormalizedChunk[] = [];
  const step = Math.min(pieceSize, bytes.length || 1);
  for (let i = 0; i < bytes.length; i += step) {
    for (const ev of parser.push(bytes.subarray(i, i + step))) out.push(...t.push(ev));
  }
  for (const ev of parser.end()) out.push(...t.push(ev));
  return out;
}

const choicesOf = (chunks: NormalizedChunk[]) => chunks.flatMap((c) => c.choices ?? []);
const contentOf = (chunks: NormalizedChunk[]) => choicesOf(chunks).map((c) => c.content ?? '').join('');

function toolCallsOf(chunks: NormalizedChunk[]): Map<number, { id?: string; name?: string; arguments: string }> {
  const calls = new Map<number, { id?: string; name?: string; arguments: string }>();
  for (const choice of choicesOf(chunks)) {
    for (const tc of choice.toolCalls ?? []) {
      const index = tc.index ?? 0;
      const entry = calls.get(index) ?? { arguments: '' };
      if (tc.id) entry.id = tc.id;
      if (tc.name) entry.name = tc.name;
      entry.arguments += tc.arguments ?? '';
      calls.set(index, entry);
    }
  }
  return calls;
}

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

/** The fixture cut just before the first line that contains `marker`. */
function cutBefore(text: string, marker: string): string {
  const at = text.indexOf(marker);
  expect(at).toBeGreaterThan(0);
  return text.slice(0, text.lastIndexOf('data: ', at));
}

describe('OpenAIStreamTranslator', () => {
  it('assembles a text stream and takes usage from the final choices:[] chunk', () => {
    const t = new OpenAIStreamTranslator('openai', hooks());
    const chunks = translate(fixture('stream-text-usage.txt'), t);
    expect(contentOf(chunks)).toBe('Hello! How can I help you today?');
    const choices = choicesOf(chunks);
    expect(choices[0]).toMatchObject({ index: 0, role: 'assistant', content: '' });
    expect(choices.filter((c) => c.role !== undefined)).toHaveLength(1);
    expect(choices.filter((c) => c.finishReason !== undefined).map((c) => c.finishReason)).toEqual(['stop']);
    // The usage-only chunk produces no output chunk.
    expect(chunks).toHaveLength(6);
    const result = t.result();
    expect(result.finished).toBe(true);
    expect(result.meta).toEqual({ id: 'chatcmpl-123', systemFingerprint: 'fp_44709d6fcb' });
    expect(result.usage).toEqual({ inputTokens: 10, cacheReadTokens: 1024, cacheWriteTokens: 0, outputTokens: 9, reasoningTokens: 0, estimated: false });
  });

  it('gives the same result whatever the network chunking', () => {
    const whole = translate(fixture('stream-tool-calls.txt'), new OpenAIStreamTranslator('openai', hooks()));
    for (const size of [1, 7, 64]) {
      const t = new OpenAIStreamTranslator('openai', hooks());
      expect(translate(fixture('stream-tool-calls.txt'), t, size)).toEqual(whole);
      expect(t.result().finished).toBe(true);
    }
  });

  it('assembles two parallel tool calls: id and name first, then argument fragments per index', () => {
    const t = new OpenAIStreamTranslator('openai', hooks());
    const chunks = translate(fixture('stream-tool-calls.txt'), t);
    const calls = toolCallsOf(chunks);
    expect([...calls.keys()]).toEqual([0, 1]);
    expect(calls.get(0)).toEqual({ id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: '{"location": "Paris, France"}' });
    expect(calls.get(1)).toMatchObject({ id: 'call_R5Lq4EXyaMjTB6WEsdPDu3Rk', name: 'get_weather' });
    expect(JSON.parse(calls.get(0)!.arguments)).toEqual({ location: 'Paris, France' });
    expect(JSON.parse(calls.get(1)!.arguments)).toEqual({ location: 'Bogotá, Colombia' });
    // Only the first delta of each call carries the id and the name.
    const deltas = choicesOf(chunks).flatMap((c) => c.toolCalls ?? []);
    expect(deltas.filter((d) => d.id !== undefined).map((d) => d.index)).toEqual([0, 1]);
    expect(choicesOf(chunks).some((c) => c.content !== undefined)).toBe(false);
    expect(choicesOf(chunks).at(-1)!.finishReason).toBe('tool_calls');
    expect(t.result().usage).toMatchObject({ inputTokens: 81, outputTokens: 48 });
  });

  it('ignores OpenRouter comment lines and reads its usage chunk', () => {
    const h = hooks();
    const t = new OpenAIStreamTranslator('openrouter', h);
    const chunks = translate(fixture('openrouter-stream.txt'), t);
    expect(contentOf(chunks)).toBe('Paris is the capital of France.');
    expect(h.onUnrecognized).not.toHaveBeenCalled();
    expect(chunks.every((c) => c.passthroughJson === undefined)).toBe(true);
    expect(t.result()).toMatchObject({ finished: true, meta: { id: 'gen-1740000000-AbCdEfGhIjKlMnOp' } });
    expect(t.result().usage).toMatchObject({ inputTokens: 14, outputTokens: 8 });
  });

  it('streams DeepSeek reasoning_content as reasoning', () => {
    const t = new OpenAIStreamTranslator('deepseek', hooks());
    const events = [
      { choices: [{ index: 0, delta: { role: 'assistant', content: null, reasoning_content: 'Think' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: null, reasoning_content: 'ing.' }, finish_reason: null }] },
      { choices: [{ index: 0, delta: { content: 'Answer' }, finish_reason: 'stop' }] },
    ];
    const chunks = translate(events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join(''), t);
    expect(choicesOf(chunks).map((c) => c.reasoning ?? '').join('')).toBe('Thinking.');
    expect(contentOf(chunks)).toBe('Answer');
  });

  describe('completion', () => {
    it('is finished on finish_reason even without [DONE]', () => {
      const t = new OpenAIStreamTranslator('openai', hooks());
      translate(fixture('stream-text-usage.txt').replace('data: [DONE]\n\n', ''), t);
      expect(t.result().finished).toBe(true);
    });

    it('is not finished when the stream stops before finish_reason and [DONE]', () => {
      const t = new OpenAIStreamTranslator('openai', hooks());
      const chunks = translate(cutBefore(fixture('stream-text-usage.txt'), '"finish_reason":"stop"'), t);
      expect(contentOf(chunks)).toBe('Hello! How can I help you today?');
      expect(t.result().finished).toBe(false);
      expect(t.result().usage).toBeUndefined();
    });

    it('is not finished for a cut tool-call stream', () => {
      const t = new OpenAIStreamTranslator('openai', hooks());
      const chunks = translate(cutBefore(fixture('stream-tool-calls.txt'), 'Bogot'), t);
      expect(toolCallsOf(chunks).get(1)!.arguments).toBe('{"location": ');
      expect(t.result().finished).toBe(false);
    });
  });

  describe('errors', () => {
    it('throws a ProviderError for an in-stream error after the first chunks', () => {
      const t = new OpenAIStreamTranslator('openai', hooks());
      const parser = new SseParser();
      const seen: NormalizedChunk[] = [];
      const err = thrown(() => {
        for (const ev of parser.push(enc.encode(fixture('stream-error.txt')))) seen.push(...t.push(ev));
      });
      expect(contentOf(seen)).toBe('Once upon');
      expect(err).toMatchObject({ provider: 'openai', status: 502, code: 'upstream_error', upstreamStatus: 200 });
      expect(err.message).toContain('The server had an error while processing your request');
      expect(t.result().finished).toBe(false);
    });

    it('maps an in-stream error with a numeric 429 code to a rate limit', () => {
      const t = new OpenAIStreamTranslator('openrouter', hooks());
      const err = thrown(() => t.push({ event: undefined, id: undefined, data: '{"error":{"code":429,"message":"Rate limited upstream"}}' }));
      expect(err).toMatchObject({ status: 429, code: 'upstream_rate_limited', upstreamStatus: 429 });
    });

    it.each([['{"choices":[{"index":0,"delta":{"content":"Hi"'], ['not json at all'], ['null'], ['42']])('throws a malformed error for %p', (data) => {
      const t = new OpenAIStreamTranslator('openai', hooks());
      const err = thrown(() => t.push({ event: undefined, id: undefined, data }));
      expect(err).toMatchObject({ status: 502, code: 'upstream_malformed_response' });
    });
  });

  it('reports an unrecognized JSON event and forwards it verbatim', () => {
    const h = hooks();
    const t = new OpenAIStreamTranslator('openai', h);
    const data = '{"object":"chat.completion.annotation","annotation":{"type":"url_citation"}}';
    const out = t.push({ event: undefined, id: undefined, data });
    expect(h.onUnrecognized).toHaveBeenCalledTimes(1);
    expect(h.onUnrecognized).toHaveBeenCalledWith({ provider: 'openai', sample: data });
    expect(out).toHaveLength(1);
    expect(out[0]!.choices).toEqual([]);
    expect(dec.decode(out[0]!.passthroughJson)).toBe(data);
  });

  it('does not report a usage-only event without choices as unrecognized', () => {
    const h = hooks();
    const t = new OpenAIStreamTranslator('openai', h);
    expect(t.push({ event: undefined, id: undefined, data: '{"usage":{"prompt_tokens":3,"completion_tokens":2}}' })).toEqual([]);
    expect(h.onUnrecognized).not.toHaveBeenCalled();
    expect(t.result().usage).toMatchObject({ inputTokens: 3, outputTokens: 2 });
  });
});
