import type { AnthropicStreamEvent } from '@gatewayz/wire';
import type { JsonToolContext } from '../common/json-emulation';
import type { AdapterHooks, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import { malformed, type StreamTranslator } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';
import { finishReasonOf, normalizeAnthropicUsage, streamError } from './chat.response';

const enc = new TextEncoder();

/**
 * Anthropic's event sequence (message_start, content_block_start/delta/stop, message_delta,
 * message_stop, ping, error) → OpenAI-shaped chunks. tool_use blocks become tool_calls with
 * stable indexes (0, 1, ... in block order); their input_json_delta become argument deltas.
 * Usage: input/cache counts from message_start, cumulative output from message_delta.
 * The tool that emulates response_format (context.jsonTool) streams as content instead.
 */
export class AnthropicStreamTranslator implements StreamTranslator {
  private usage: NormalizedUsage | undefined;
  private readonly meta: UpstreamMeta = {};
  private readonly toolIndexByBlock = new Map<number, number>();
  private jsonBlock: number | undefined;
  private stopped = false;

  constructor(
    private readonly provider: string,
    private readonly hooks: AdapterHooks,
    private readonly context: JsonToolContext = {},
  ) {}

  push(event: SseEvent): NormalizedChunk[] {
    let ev: AnthropicStreamEvent;
    try {
      ev = JSON.parse(event.data) as AnthropicStreamEvent;
    } catch {
      throw malformed(this.provider, 'a stream event is not JSON');
    }
    switch (ev?.type) {
      case 'message_start':
        this.meta.id = ev.message.id;
        this.usage = normalizeAnthropicUsage(ev.message.usage ?? {});
        return [{ choices: [{ index: 0, role: 'assistant', content: '' }] }];
      case 'content_block_start': {
        const block = ev.content_block;
        if (block.type === 'tool_use' && block.name === this.context.jsonTool) {
          this.jsonBlock = ev.index;
          return [];
        }
        if (block.type === 'tool_use') {
          const index = this.toolIndexByBlock.size;
          this.toolIndexByBlock.set(ev.index, index);
          return [{ choices: [{ index: 0, toolCalls: [{ index, id: block.id, name: block.name, arguments: '' }] }] }];
        }
        if (block.type === 'text' && block.text) return [{ choices: [{ index: 0, content: block.text }] }];
        if (block.type === 'thinking' && block.thinking) return [{ choices: [{ index: 0, reasoning: block.thinking }] }];
        if (block.type === 'text' || block.type === 'thinking' || block.type === 'redacted_thinking') return [];
        return this.unrecognized(event.data);
      }
      case 'content_block_delta': {
        const d = ev.delta;
        if (d.type === 'text_delta') return [{ choices: [{ index: 0, content: d.text }] }];
        if (d.type === 'thinking_delta') return [{ choices: [{ index: 0, reasoning: d.thinking }] }];
        if (d.type === 'input_json_delta' && ev.index === this.jsonBlock) return [{ choices: [{ index: 0, content: d.partial_json }] }];
        if (d.type === 'input_json_delta') {
          const index = this.toolIndexByBlock.get(ev.index) ?? 0;
          return [{ choices: [{ index: 0, toolCalls: [{ index, arguments: d.partial_json }] }] }];
        }
        if (d.type === 'signature_delta') return [];
        return this.unrecognized(event.data);
      }
      case 'content_block_stop':
      case 'ping':
        return [];
      case 'message_delta': {
        if (ev.usage) {
          const later = normalizeAnthropicUsage(ev.usage);
          const base = this.usage ?? later;
          this.usage = {
            ...base,
            // message_delta carries cumulative output; input counts only when restated.
            inputTokens: ev.usage.input_tokens != null ? later.inputTokens : base.inputTokens,
            cacheReadTokens: ev.usage.cache_read_input_tokens != null ? later.cacheReadTokens : base.cacheReadTokens,
            cacheWriteTokens: ev.usage.cache_creation_input_tokens != null ? later.cacheWriteTokens : base.cacheWriteTokens,
            outputTokens: later.outputTokens,
          };
        }
        let finish = finishReasonOf(ev.delta?.stop_reason);
        if (finish === 'tool_calls' && this.toolIndexByBlock.size === 0) finish = 'stop';
        return finish ? [{ choices: [{ index: 0, finishReason: finish }] }] : [];
      }
      case 'message_stop':
        this.stopped = true;
        return [];
      case 'error':
        throw streamError(this.provider, ev.error);
      default:
        return this.unrecognized(event.data);
    }
  }

  private unrecognized(data: string): NormalizedChunk[] {
    this.hooks.onUnrecognized({ provider: this.provider, sample: data.slice(0, 500) });
    return [{ choices: [], passthroughJson: enc.encode(data) }];
  }

  result() {
    return { usage: this.usage, meta: this.meta, finished: this.stopped };
  }
}
