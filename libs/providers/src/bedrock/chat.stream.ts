import type { JsonToolContext } from '../common/json-emulation';
import type { AdapterHooks, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import { malformed, type StreamTranslator } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';
import { finishReasonOf, normalizeConverseUsage, streamException, type ConverseUsageWire } from './chat.response';

const enc = new TextEncoder();

interface ConverseStreamPayload {
  role?: string;
  contentBlockIndex?: number;
  start?: { toolUse?: { toolUseId?: string; name?: string } };
  delta?: { text?: string; toolUse?: { input?: string }; reasoningContent?: { text?: string; signature?: string } };
  stopReason?: string;
  usage?: ConverseUsageWire;
}

/**
 * ConverseStream events (decoded from event-stream frames by EventStreamDecoder): messageStart,
 * contentBlockStart (tool use), contentBlockDelta (text, tool input, reasoning), contentBlockStop,
 * messageStop (stop reason), metadata (usage) and exceptions → OpenAI-shaped chunks. Tool calls
 * get indexes 0, 1, ... in block order; the tool emulating response_format streams as content.
 */
export class BedrockStreamTranslator implements StreamTranslator {
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
    const type = event.event ?? '';
    if (type.startsWith('exception:') || type.startsWith('error:')) throw streamException(this.provider, type.slice(type.indexOf(':') + 1), event.data);
    let p: ConverseStreamPayload;
    try {
      p = JSON.parse(event.data) as ConverseStreamPayload;
    } catch {
      throw malformed(this.provider, 'a stream event is not JSON');
    }
    if (p === null || typeof p !== 'object') throw malformed(this.provider, 'a stream event is not an object');
    const block = p.contentBlockIndex ?? 0;
    switch (type) {
      case 'messageStart':
        return [{ choices: [{ index: 0, role: 'assistant', content: '' }] }];
      case 'contentBlockStart': {
        const tool = p.start?.toolUse;
        if (!tool) return [];
        if (tool.name === this.context.jsonTool) {
          this.jsonBlock = block;
          return [];
        }
        const index = this.toolIndexByBlock.size;
        this.toolIndexByBlock.set(block, index);
        return [{ choices: [{ index: 0, toolCalls: [{ index, id: tool.toolUseId, name: tool.name, arguments: '' }] }] }];
      }
      case 'contentBlockDelta': {
        const d = p.delta ?? {};
        if (typeof d.text === 'string') return [{ choices: [{ index: 0, content: d.text }] }];
        if (typeof d.toolUse?.input === 'string') {
          if (block === this.jsonBlock) return [{ choices: [{ index: 0, content: d.toolUse.input }] }];
          return [{ choices: [{ index: 0, toolCalls: [{ index: this.toolIndexByBlock.get(block) ?? 0, arguments: d.toolUse.input }] }] }];
        }
        if (typeof d.reasoningContent?.text === 'string') return [{ choices: [{ index: 0, reasoning: d.reasoningContent.text }] }];
        if (d.reasoningContent?.signature !== undefined) return [];
        return this.unrecognized(event.data);
      }
      case 'contentBlockStop':
        return [];
      case 'messageStop': {
        this.stopped = true;
        return [{ choices: [{ index: 0, finishReason: finishReasonOf(p.stopReason, this.toolIndexByBlock.size === 0) ?? 'stop' }] }];
      }
      case 'metadata':
        if (p.usage) this.usage = normalizeConverseUsage(p.usage);
        return [];
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
