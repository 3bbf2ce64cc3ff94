import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '@gatewayz/errors';
import type { AdapterHooks, NormalizedChunk } from '../contract';
import { SseParser, type SseEvent } from '../sse/sse-parser';
import { AnthropicStreamTranslator } from './chat.stream';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const enc = new TextEncoder();
const dec = new TextDecoder();

function hooks(): AdapterHooks & { onUnrecognized: jest.Mock } {
  return { onUnrecognized: jest.fn() };
}

function events(text: string, pieceSize = Infinity): SseEvent[] {
  const parser = new SseParser();
  const bytes = enc.encode(text);
  const out: SseEvent[] = [];
  const step = Math.min(pieceSize, bytes.length || 1);
  for (let i = 0; i < bytes.length; i += step) out.push(...parser.push(bytes.subarray(i, i + step)));
  out.push(...parser.end());
  return out;
}

function translate(text: string, t: AnthropicStreamTranslator, pieceSize?: number): NormalizedChunk[] {
  return events(text, pieceSize).flatMap((ev) => t.push(ev));
}

const choicesOf = (chunks: NormalizedChunk[]) => chunks.flatMap((c) => c.choices ?? []);
const contentOf = (chunks: NormalizedChunk[]) => choicesOf(chunks).map((c) => c.content ?? '').join('');
const reasoningOf = (chunks: NormalizedChunk[]) => choicesOf(chunks).map((c) => c.reasoning ?? '').join('');
const finishesOf = (chunks: NormalizedChunk[]) => choicesOf(chunks).flatMap((c) => (c.finishReason === undefined ? [] : [c.finishReason]));
const ev = (data: unknown, event?: string): SseEvent => ({ event, id: undefined, data: JSON.stringify(data) });

function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

describe('AnthropicStreamTranslator', () => {
  it('translates the text event sequence into OpenAI-shaped chunks', () => {
    const h = hooks();
    const t = new AnthropicStreamTranslator('anthropic', h);
    const chunks = translate(fixture('stream-text.txt'), t);
    expect(chunks[0]).toEqual({ choices: [{ index: 0, role: 'assistant', content: '' }] });
    expect(contentOf(chunks)).toBe('Hello! How can I help you today?');
    expect(finishesOf(chunks)).toEqual(['stop']);
    expect(choicesOf(chunks).every((c) => c.index === 0)).toBe(true);
    // ping, content_block_start (empty text), content_block_stop and message_stop produce nothing.
    expect(chunks).toHaveLength(5);
    expect(h.onUnrecognized).not.toHaveBeenCalled();
    const result = t.result();
    expect(result.finished).toBe(true);
    expect(result.meta).toEqual({ id: 'msg_1nZdL29xx5MUA1yADyHTEsnR8uuvGzszyY' });
    // Input and cache counts from message_start; the cumulative output from message_delta.
    expect(result.usage).toEqual({ inputTokens: 25, cacheReadTokens: 2048, cacheWriteTokens: 10, outputTokens: 15, reasoningTokens: 0, estimated: false });
  });

  it('gives the same chunks whatever the network chunking', () => {
    const whole = translate(fixture('stream-tool-use.txt'), new AnthropicStreamTranslator('anthropic', hooks()));
    for (const size of [1, 5, 33]) {
      expect(translate(fixture('stream-tool-use.txt'), new AnthropicStreamTranslator('anthropic', hooks()), size)).toEqual(whole);
    }
  });

  it('streams a tool_use block as a tool call whose input_json_delta fragments form valid JSON', () => {
    const t = new AnthropicStreamTranslator('anthropic', hooks());
    const chunks = translate(fixture('stream-tool-use.txt'), t);
    expect(contentOf(chunks)).toBe("Okay, let's check the weather for San Francisco, CA:");
    const deltas = choicesOf(chunks).flatMap((c) => c.toolCalls ?? []);
    // The block is Anthropic's index 1 but the first tool call: OpenAI index 0.
    expect(deltas.every((d) => d.index === 0)).toBe(true);
    expect(deltas[0]).toEqual({ index: 0, id: 'toolu_01T1x1fJ34qAmk2tNTrN7Up6', name: 'get_weather', arguments: '' });
    expect(deltas.slice(1).every((d) => d.id === undefined && d.name === undefined)).toBe(true);
    const args = deltas.map((d) => d.arguments ?? '').join('');
    expect(JSON.parse(args)).toEqual({ location: 'San Francisco, CA', unit: 'fahrenheit' });
    expect(finishesOf(chunks)).toEqual(['tool_calls']);
    expect(t.result()).toMatchObject({ finished: true, usage: { inputTokens: 472, outputTokens: 89 } });
  });

  it('numbers several tool_use blocks 0, 1, ... and routes each fragment to its own call', () => {
    const t = new AnthropicStreamTranslator('anthropic', hooks());
    const seq = [
      ev({ type: 'message_start', message: { id: 'msg_x', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, stop_sequence: null, usage: { input_tokens: 9, output_tokens: 1 } } }),
      ev({ type: 'content_block_start', index: 2, content_block: { type: 'tool_use', id: 'toolu_a', name: 'a', input: {} } }),
      ev({ type: 'content_block_start', index: 3, content_block: { type: 'tool_use', id: 'toolu_b', name: 'b', input: {} } }),
      ev({ type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '{"y":' } }),
      ev({ type: 'content_block_delta', index: 2, delta: { type: 'input_json_delta', partial_json: '{"x":1}' } }),
      ev({ type: 'content_block_delta', index: 3, delta: { type: 'input_json_delta', partial_json: '2}' } }),
    ];
    const deltas = choicesOf(seq.flatMap((e) => t.push(e))).flatMap((c) => c.toolCalls ?? []);
    const byIndex = (i: number) => deltas.filter((d) => d.index === i);
    expect(byIndex(0)[0]).toMatchObject({ id: 'toolu_a', name: 'a' });
    expect(byIndex(1)[0]).toMatchObject({ id: 'toolu_b', name: 'b' });
    expect(JSON.parse(byIndex(0).map((d) => d.arguments).join(''))).toEqual({ x: 1 });
    expect(JSON.parse(byIndex(1).map((d) => d.arguments).join(''))).toEqual({ y: 2 });
  });

  it('streams thinking_delta as reasoning and ignores signature_delta', () => {
    const h = hooks();
    const t = new AnthropicStreamTranslator('anthropic', h);
    const chunks = translate(fixture('stream-thinking.txt'), t);
    expect(reasoningOf(chunks)).toBe('Let me solve this step by step:\n\n1. First break down 27 * 453\n2. 453 = 400 + 50 + 3');
    expect(contentOf(chunks)).toBe('27 * 453 = 12,231');
    expect(chunks.some((c) => c.passthroughJson !== undefined)).toBe(false);
    expect(JSON.stringify(chunks)).not.toContain('EqQBCgIYAhIM');
    expect(h.onUnrecognized).not.toHaveBeenCalled();
    expect(t.result()).toMatchObject({ finished: true, usage: { inputTokens: 46, outputTokens: 187 } });
  });

  describe('completion', () => {
    it('is not finished without message_stop, even after message_delta', () => {
      const t = new AnthropicStreamTranslator('anthropic', hooks());
      const text = fixture('stream-text.txt');
      const chunks = translate(text.slice(0, text.indexOf('event: message_stop')), t);
      expect(finishesOf(chunks)).toEqual(['stop']);
      expect(t.result().finished).toBe(false);
    });

    it('is not finished for a stream cut mid tool input', () => {
      const t = new AnthropicStreamTranslator('anthropic', hooks());
      const text = fixture('stream-tool-use.txt');
      translate(text.slice(0, text.indexOf('event: content_block_stop\ndata: {"type":"content_block_stop","index":1}')), t);
      expect(t.result().finished).toBe(false);
    });
  });

  describe('usage in message_delta', () => {
    const start = ev({
      type: 'message_start',
      message: { id: 'msg_u', type: 'message', role: 'assistant', content: [], model: 'm', stop_reason: null, stop_sequence: null, usage: { input_tokens: 25, cache_read_input_tokens: 100, cache_creation_input_tokens: 7, output_tokens: 1 } },
    });

    it('takes restated input and cache counts', () => {
      const t = new AnthropicStreamTranslator('anthropic', hooks());
      t.push(start);
      t.push(ev({ type: 'message_delta', delta: { stop_reason: 'end_turn', stop_sequence: null }, usage: { input_tokens: 30, cache_read_input_tokens: 120, cache_creation_input_tokens: 0, output_tokens: 40 } }));
      expect(t.result().usage).toMatchObject({ inputTokens: 30, cacheReadTokens: 120, cacheWriteTokens: 0, outputTokens: 40 });
    });

    it('keeps the message_start counts when message_delta sends them as null', () => {
      const t = new AnthropicStreamTranslator('anthropic', hooks());
      t.push(start);
      t.push(ev({ type: 'message_delta', delta: { stop_reason: 'max_tokens', stop_sequence: null }, usage: { input_tokens: null, cache_read_input_tokens: null, cache_creation_input_tokens: null, output_tokens: 40 } }));
      expect(t.result().usage).toEqual({ inputTokens: 25, cacheReadTokens: 100, cacheWriteTokens: 7, outputTokens: 40, reasoningTokens: 0, estimated: false });
    });
  });

  describe('errors', () => {
    it('throws a ProviderError for an `event: error` after the first chunks', () => {
      const t = new AnthropicStreamTranslator('anthropic', hooks());
      const seen: NormalizedChunk[] = [];
      const err = thrown(() => {
        for (const e of events(fixture('stream-error.txt'))) seen.push(...t.push(e));
      });
      expect(contentOf(seen)).toBe('Sure');
      expect(err).toMatchObject({ provider: 'anthropic', status: 502, upstreamStatus: 529, code: 'upstream_error' });
      expect(err.message).toContain('overloaded_error');
      expect(t.result().finished).toBe(false);
    });

    it.each([['{"type":"content_block_delta","index":0,"delta":{"type":"text_'], ['event: ping'], ['']])('throws a malformed error for %p', (data) => {
      const t = new AnthropicStreamTranslator('anthropic', hooks());
      expect(thrown(() => t.push({ event: undefined, id: undefined, data }))).toMatchObject({ status: 502, code: 'upstream_malformed_response' });
    });
  });

  describe('unrecognized events', () => {
    it.each([
      ['an unknown event type', { type: 'message_annotation', annotation: { kind: 'x' } }],
      ['an unknown delta type', { type: 'content_block_delta', index: 0, delta: { type: 'citations_delta', citation: { cited_text: 'a' } } }],
    ])('reports %s and forwards it verbatim', (_what, data) => {
      const h = hooks();
      const t = new AnthropicStreamTranslator('anthropic', h);
      const raw = JSON.stringify(data);
      const out = t.push({ event: undefined, id: undefined, data: raw });
      expect(h.onUnrecognized).toHaveBeenCalledWith({ provider: 'anthropic', sample: raw });
      expect(out).toHaveLength(1);
      expect(out[0]!.choices).toEqual([]);
      expect(dec.decode(out[0]!.passthroughJson)).toBe(raw);
    });
  });
});
