import { create } from '@bufbuild/protobuf';
import { ChoiceDeltaSchema, UsageSchema, type ChoiceDelta } from '@gatewayz/proto';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { BlockSequencer, MessageAssembler, stopReason, toAnthropicUsage, type BlockDelta } from './anthropic-format';

const delta = (init: MessageInitShape<typeof ChoiceDeltaSchema>): ChoiceDelta => create(ChoiceDeltaSchema, init);

function record(deltas: ChoiceDelta[]): string[] {
  const log: string[] = [];
  const seq = new BlockSequencer({
    start: (i, b) => log.push(`start ${i} ${b.type}`),
    delta: (i, d: BlockDelta) => log.push(`delta ${i} ${d.type}`),
    stop: (i) => log.push(`stop ${i}`),
  });
  for (const d of deltas) seq.push(d);
  seq.close();
  return log;
}

describe('BlockSequencer', () => {
  it('opens a block when the kind of output changes, in order, each stopped', () => {
    expect(
      record([
        delta({ index: 0, role: 'assistant', content: '' }),
        delta({ index: 0, reasoning: 'think' }),
        delta({ index: 0, reasoning: 'more' }),
        delta({ index: 0, content: 'Hello' }),
        delta({ index: 0, toolCalls: [{ index: 0, id: 'a', name: 'f', arguments: '' }] }),
        delta({ index: 0, toolCalls: [{ index: 0, arguments: '{"x":' }] }),
        delta({ index: 0, toolCalls: [{ index: 1, id: 'b', name: 'g', arguments: '{}' }] }),
        delta({ index: 0, finishReason: 'tool_calls' }),
      ]),
    ).toEqual([
      'start 0 thinking',
      'delta 0 thinking_delta',
      'delta 0 thinking_delta',
      'stop 0',
      'start 1 text',
      'delta 1 text_delta',
      'stop 1',
      'start 2 tool_use',
      'delta 2 input_json_delta',
      'stop 2',
      'start 3 tool_use',
      'delta 3 input_json_delta',
      'stop 3',
    ]);
  });

  it('ignores other choices (no n on /v1/messages) and empty role chunks', () => {
    expect(record([delta({ index: 1, content: 'x' }), delta({ index: 0, role: 'assistant', content: '' })])).toEqual([]);
  });
});

describe('MessageAssembler', () => {
  it('builds the Message: blocks in order, tool inputs parsed, stop_reason mapped', () => {
    const a = new MessageAssembler();
    for (const d of [
      delta({ index: 0, content: 'Let me ' }),
      delta({ index: 0, content: 'check.' }),
      delta({ index: 0, toolCalls: [{ index: 0, id: 'call_1', name: 'weather', arguments: '{"city":' }] }),
      delta({ index: 0, toolCalls: [{ index: 0, arguments: '"Oslo"}' }] }),
      delta({ index: 0, toolCalls: [{ index: 1, id: 'call_2', name: 'broken', arguments: 'not json' }] }),
      delta({ index: 0, finishReason: 'tool_calls' }),
    ])
      a.sequencer.push(d);
    const usage = toAnthropicUsage(create(UsageSchema, { inputTokens: 7, cacheReadTokens: 3, outputTokens: 5 }), 1_500n);
    expect(a.build({ id: 'msg_1', model: 'm', usage })).toEqual({
      id: 'msg_1',
      type: 'message',
      role: 'assistant',
      model: 'm',
      content: [
        { type: 'text', text: 'Let me check.' },
        { type: 'tool_use', id: 'call_1', name: 'weather', input: { city: 'Oslo' } },
        { type: 'tool_use', id: 'call_2', name: 'broken', input: { _raw_arguments: 'not json' } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: 7, cache_read_input_tokens: 3, cache_creation_input_tokens: 0, output_tokens: 5, cost: 0.0015 },
    });
  });

  it('stop reasons', () => {
    expect(['stop', 'length', 'tool_calls', 'content_filter', undefined].map(stopReason)).toEqual(['end_turn', 'max_tokens', 'tool_use', 'refusal', 'end_turn']);
  });
});
