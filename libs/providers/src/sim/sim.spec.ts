import { ProviderError } from '@gatewayz/errors';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { AdapterEvent, ChatCall, NormalizedChunk, NormalizedUsage } from '../contract';
import { simAdapter } from './sim';

const instant = simAdapter({ firstTokenMs: 0, interChunkMs: 0 });

function call(model: string, extra: Partial<ChatCompletionRequest> = {}, opts: { stream?: boolean; signal?: AbortSignal } = {}): ChatCall {
  return {
    target: { provider: 'sim', adapter: 'sim', nativeModel: model, baseUrl: '' },
    credentials: { apiKey: undefined, baseUrl: '' },
    request: { model: `sim/${model}`, messages: [{ role: 'user', content: 'Hello there' }], ...extra },
    stream: opts.stream ?? false,
    requestId: 'req-9',
    signal: opts.signal ?? new AbortController().signal,
    maxOutputTokens: 1000,
  };
}

async function collect(events: AsyncIterable<AdapterEvent>): Promise<AdapterEvent[]> {
  const out: AdapterEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

const chunksOf = (events: AdapterEvent[]): NormalizedChunk[] => events.flatMap((e) => (e.type === 'chunk' ? [e.chunk] : []));

function endOf(events: AdapterEvent[]): { usage: NormalizedUsage | undefined } {
  const last = events.at(-1);
  if (!last || last.type !== 'end') throw new Error('the last event is not end');
  expect(events.filter((e) => e.type === 'end')).toHaveLength(1);
  return last;
}

/** A non-streaming call: its one chunk's choices, and the usage. */
async function complete(model: string, extra: Partial<ChatCompletionRequest> = {}) {
  const events = await collect(instant.chat(call(model, extra)));
  expect(events.map((e) => e.type)).toEqual(['chunk', 'end']);
  return { choices: chunksOf(events)[0]!.choices!, usage: endOf(events).usage!, events };
}

async function rejection(promise: Promise<unknown>): Promise<ProviderError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

const tools: ChatCompletionRequest['tools'] = [
  { type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } },
  { type: 'function', function: { name: 'get_time' } },
];

describe('simAdapter', () => {
  it('echo repeats the last user message', async () => {
    const { choices, usage, events } = await complete('echo', {
      messages: [
        { role: 'user', content: 'first question' },
        { role: 'assistant', content: 'an answer' },
        { role: 'user', content: [{ type: 'text', text: '  What is   the' }, { type: 'text', text: 'weather?' }] },
      ],
    });
    expect(choices).toEqual([{ index: 0, role: 'assistant', content: 'What is the weather?', finishReason: 'stop' }]);
    expect(usage.outputTokens).toBe(4);
    expect(usage.inputTokens).toBeGreaterThan(0);
    const end = events.at(-1);
    expect(end).toMatchObject({ type: 'end', meta: { id: 'sim-req-9', systemFingerprint: 'fp_sim' } });
  });

  it('lorem is deterministic for the same prompt and differs for another', async () => {
    const a = await complete('lorem');
    const b = await complete('lorem');
    const other = await complete('lorem', { messages: [{ role: 'user', content: 'Something else entirely' }] });
    expect(a.choices[0]!.content).toBe(b.choices[0]!.content);
    expect(a.choices[0]!.content).not.toBe(other.choices[0]!.content);
    const words = a.choices[0]!.content!.split(' ');
    expect(words.length).toBeGreaterThanOrEqual(24);
    expect(words.length).toBeLessThan(64);
    expect(words.every((w) => /^[a-z]+$/.test(w))).toBe(true);
    expect(a.usage.outputTokens).toBe(words.length);
  });

  it('truncates at max_tokens (words) with finish length', async () => {
    const { choices, usage } = await complete('echo', { messages: [{ role: 'user', content: 'one two three four five' }], max_tokens: 3 });
    expect(choices[0]).toMatchObject({ content: 'one two three', finishReason: 'length' });
    expect(usage.outputTokens).toBe(3);
    const exact = await complete('echo', { messages: [{ role: 'user', content: 'one two three' }], max_completion_tokens: 3 });
    expect(exact.choices[0]).toMatchObject({ content: 'one two three', finishReason: 'stop' });
  });

  it('cuts at the earliest stop sequence', async () => {
    const { choices } = await complete('echo', { messages: [{ role: 'user', content: 'alpha beta END gamma STOP delta' }], stop: ['STOP', 'END'] });
    expect(choices[0]).toMatchObject({ content: 'alpha beta ', finishReason: 'stop' });
    const single = await complete('echo', { messages: [{ role: 'user', content: 'alpha beta END gamma' }], stop: 'END', max_tokens: 3 });
    expect(single.choices[0]).toMatchObject({ content: 'alpha beta ', finishReason: 'stop' });
  });

  it('gives n choices and counts output for all of them', async () => {
    const { choices, usage } = await complete('echo', { messages: [{ role: 'user', content: 'same for both' }], n: 2 });
    expect(choices.map((c) => [c.index, c.content])).toEqual([
      [0, 'same for both'],
      [1, 'same for both'],
    ]);
    expect(usage.outputTokens).toBe(6);
  });

  it("tool_choice 'required' yields a call to the first tool with finish tool_calls", async () => {
    const { choices } = await complete('echo', { tools, tool_choice: 'required' });
    expect(choices).toEqual([{ index: 0, role: 'assistant', toolCalls: [{ index: 0, id: 'call_sim_0', name: 'get_weather', arguments: '{}' }], finishReason: 'tool_calls' }]);
  });

  it('a named tool_choice calls that tool; auto answers in text', async () => {
    const named = await complete('echo', { tools, tool_choice: { type: 'function', function: { name: 'get_time' } } });
    expect(named.choices[0]!.toolCalls![0]!.name).toBe('get_time');
    const auto = await complete('echo', { tools, tool_choice: 'auto' });
    expect(auto.choices[0]).toMatchObject({ content: 'Hello there', finishReason: 'stop' });
  });

  it('rejects an unknown model', async () => {
    expect(await rejection(collect(instant.chat(call('gpt-4o'))))).toMatchObject({ status: 502, upstreamStatus: 404, provider: 'sim' });
  });

  describe('streaming', () => {
    it('yields a role chunk, the content pieces, a finish chunk, then usage counting the pieces', async () => {
      const events = await collect(instant.chat(call('echo', { messages: [{ role: 'user', content: 'the quick brown fox' }] }, { stream: true })));
      const chunks = chunksOf(events);
      expect(chunks[0]!.choices).toEqual([{ index: 0, role: 'assistant', content: '' }]);
      expect(chunks.at(-1)!.choices).toEqual([{ index: 0, finishReason: 'stop' }]);
      const pieces = chunks.slice(1, -1).map((c) => c.choices![0]!.content!);
      expect(pieces).toEqual(['the ', 'quick ', 'brown ', 'fox']);
      expect(endOf(events).usage!.outputTokens).toBe(pieces.length);
    });

    it('streams the same text as the non-streaming answer', async () => {
      const full = await complete('lorem');
      const events = await collect(instant.chat(call('lorem', {}, { stream: true })));
      const text = chunksOf(events).flatMap((c) => c.choices!.map((ch) => ch.content ?? '')).join('');
      expect(text).toBe(full.choices[0]!.content);
      expect(endOf(events).usage).toEqual(full.usage);
    });

    it('streams a forced tool call: id and name, then arguments, then finish tool_calls', async () => {
      const events = await collect(instant.chat(call('echo', { tools, tool_choice: 'required' }, { stream: true })));
      const choices = chunksOf(events).map((c) => c.choices![0]!);
      expect(choices[0]).toMatchObject({ role: 'assistant' });
      expect(choices[1]!.toolCalls).toEqual([{ index: 0, id: 'call_sim_0', name: 'get_weather', arguments: '' }]);
      expect(choices[2]!.toolCalls).toEqual([{ index: 0, arguments: '{}' }]);
      expect(choices.at(-1)!.finishReason).toBe('tool_calls');
      expect(choices.some((c) => c.content)).toBe(false);
    });

    it('stops with a 499 ProviderError when the signal aborts mid-stream', async () => {
      const slow = simAdapter({ firstTokenMs: 0, interChunkMs: 50 });
      const ac = new AbortController();
      const seen: AdapterEvent[] = [];
      const run = (async () => {
        for await (const e of slow.chat(call('lorem', {}, { stream: true, signal: ac.signal }))) {
          seen.push(e);
          if (seen.length === 2) ac.abort();
        }
      })();
      const err = await rejection(run);
      expect(err).toMatchObject({ status: 499, code: 'cancelled', provider: 'sim' });
      expect(seen).toHaveLength(2);
      expect(seen.some((e) => e.type === 'end')).toBe(false);
    });

    it('does not start when the signal is already aborted', async () => {
      const ac = new AbortController();
      ac.abort();
      const seen: AdapterEvent[] = [];
      const err = await rejection(
        (async () => {
          for await (const e of instant.chat(call('echo', {}, { stream: true, signal: ac.signal }))) seen.push(e);
        })(),
      );
      expect(err.status).toBe(499);
      expect(seen).toEqual([]);
    });
  });
});
