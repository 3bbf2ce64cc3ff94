import { randomBytes } from 'node:crypto';
import { microsToDollarNumber } from '@gatewayz/catalog';
import type { ChoiceDelta, Usage } from '@gatewayz/proto';
import type { AnthropicContentBlock, AnthropicMessage } from '@gatewayz/wire';

/**
 * Normalized chunks → Anthropic's content blocks. One sequencer per response: it opens a block
 * when the kind of output changes (thinking, text, each tool call), so blocks come in the order
 * the model produced them, each started, filled by deltas, and stopped, as Anthropic streams
 * them. Only choice 0 exists on /v1/messages (no `n`).
 */
export type BlockDelta =
  | { type: 'text_delta'; text: string }
  | { type: 'thinking_delta'; thinking: string }
  | { type: 'input_json_delta'; partial_json: string };

export interface BlockSink {
  start(index: number, block: AnthropicContentBlock): void;
  delta(index: number, delta: BlockDelta): void;
  stop(index: number): void;
}

type OpenKind = 'text' | 'thinking' | 'tool_use';

export function messageId(): string {
  return `msg_${randomBytes(18).toString('base64url')}`;
}

export class BlockSequencer {
  private open: { index: number; kind: OpenKind } | undefined;
  private next = 0;
  private readonly toolBlocks = new Map<number, number>();
  finishReason: string | undefined;

  constructor(private readonly sink: BlockSink) {}

  get blockCount(): number {
    return this.next;
  }

  push(c: ChoiceDelta): void {
    if (c.index !== 0) return;
    if (c.reasoning) this.sink.delta(this.ensure('thinking'), { type: 'thinking_delta', thinking: c.reasoning });
    const text = (c.content ?? '') + (c.refusal ?? '');
    if (text) this.sink.delta(this.ensure('text'), { type: 'text_delta', text });
    for (const t of c.toolCalls) {
      let index = this.toolBlocks.get(t.index);
      if (index === undefined) {
        this.close();
        index = this.next++;
        this.toolBlocks.set(t.index, index);
        this.open = { index, kind: 'tool_use' };
        this.sink.start(index, { type: 'tool_use', id: t.id || `toolu_${randomBytes(12).toString('base64url')}`, name: t.name ?? '', input: {} });
      }
      // Providers stream one call after another; a late piece of an earlier call still goes to
      // its own block (the SDKs apply deltas by index).
      if (t.arguments) this.sink.delta(index, { type: 'input_json_delta', partial_json: t.arguments });
    }
    if (c.finishReason !== undefined) this.finishReason = c.finishReason;
  }

  /** Closes the open block, if any (at the end of the response). */
  close(): void {
    if (this.open) this.sink.stop(this.open.index);
    this.open = undefined;
  }

  private ensure(kind: 'text' | 'thinking'): number {
    if (this.open?.kind === kind) return this.open.index;
    this.close();
    const index = this.next++;
    this.open = { index, kind };
    this.sink.start(index, kind === 'text' ? { type: 'text', text: '' } : { type: 'thinking', thinking: '', signature: '' });
    return index;
  }
}

/** OpenAI finish_reason → Anthropic stop_reason. */
export function stopReason(finish: string | undefined): string {
  switch (finish) {
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_use';
    case 'content_filter':
      return 'refusal';
    default:
      return 'end_turn';
  }
}

export interface AnthropicUsageOut {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  /** Gatewayz: what the request cost, in dollars. */
  cost: number;
}

/** Buckets → Anthropic's usage: input_tokens excludes cache reads and writes, as Anthropic counts. */
export function toAnthropicUsage(u: Usage, costMicros: bigint): AnthropicUsageOut {
  return {
    input_tokens: u.inputTokens,
    cache_creation_input_tokens: u.cacheWriteTokens,
    cache_read_input_tokens: u.cacheReadTokens,
    output_tokens: u.outputTokens,
    cost: microsToDollarNumber(costMicros),
  };
}

function parseInput(json: string): unknown {
  try {
    const v: unknown = JSON.parse(json || '{}');
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) return v;
  } catch {
    // fall through
  }
  // A model that produced arguments which are not a JSON object: keep them, visibly.
  return { _raw_arguments: json };
}

/** Folds a response's chunks into one Anthropic Message (non-streaming clients). */
export class MessageAssembler implements BlockSink {
  private readonly blocks: AnthropicContentBlock[] = [];
  private readonly toolJson = new Map<number, string>();
  readonly sequencer = new BlockSequencer(this);

  start(index: number, block: AnthropicContentBlock): void {
    this.blocks[index] = { ...block };
    if (block.type === 'tool_use') this.toolJson.set(index, '');
  }

  delta(index: number, delta: BlockDelta): void {
    const block = this.blocks[index];
    if (!block) return;
    if (delta.type === 'text_delta' && block.type === 'text') block.text += delta.text;
    else if (delta.type === 'thinking_delta' && block.type === 'thinking') block.thinking += delta.thinking;
    else if (delta.type === 'input_json_delta') this.toolJson.set(index, (this.toolJson.get(index) ?? '') + delta.partial_json);
  }

  stop(): void {}

  build(meta: { id: string; model: string; usage: AnthropicUsageOut }): AnthropicMessage & { usage: AnthropicUsageOut } {
    this.sequencer.close();
    const content = this.blocks.map((b, i) => (b.type === 'tool_use' ? { ...b, input: parseInput(this.toolJson.get(i) ?? '') } : b));
    return {
      id: meta.id,
      type: 'message',
      role: 'assistant',
      model: meta.model,
      content,
      stop_reason: stopReason(this.sequencer.finishReason),
      stop_sequence: null,
      usage: meta.usage,
    };
  }
}
