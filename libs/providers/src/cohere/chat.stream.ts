import type { AdapterHooks, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import { malformed, type StreamTranslator } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';
import { cohereLogprobs, finishReasonOf, normalizeCohereUsage, type CohereUsageWire } from './chat.response';

const enc = new TextEncoder();

interface CohereEvent {
  type?: string;
  id?: string;
  index?: number;
  delta?: {
    message?: {
      role?: string;
      content?: { type?: string; text?: string; thinking?: string };
      tool_plan?: string;
      tool_calls?: { id?: string; function?: { name?: string; arguments?: string } };
    };
    finish_reason?: string;
    usage?: CohereUsageWire;
    error?: string;
  };
  logprobs?: unknown;
}

/**
 * Cohere v2 chat stream events (message-start, content-start/delta/end, tool-plan-delta,
 * tool-call-start/delta/end, citation-start/end, message-end) → OpenAI-shaped chunks. Tool calls
 * keep their stream index; tool_plan and thinking stream as reasoning. One instance per request.
 */
export class CohereStreamTranslator implements StreamTranslator {
  private usage: NormalizedUsage | undefined;
  private readonly meta: UpstreamMeta = {};
  private readonly toolIndex = new Map<number, number>();
  private ended = false;

  constructor(
    private readonly provider: string,
    private readonly hooks: AdapterHooks,
  ) {}

  push(event: SseEvent): NormalizedChunk[] {
    if (event.data === '[DONE]') return [];
    let ev: CohereEvent;
    try {
      ev = JSON.parse(event.data) as CohereEvent;
    } catch {
      throw malformed(this.provider, 'a stream event is not JSON');
    }
    if (ev === null || typeof ev !== 'object') throw malformed(this.provider, 'a stream event is not an object');
    const m = ev.delta?.message;
    switch (ev.type ?? event.event) {
      case 'message-start':
        if (ev.id) this.meta.id = ev.id;
        return [{ choices: [{ index: 0, role: 'assistant', content: '' }] }];
      case 'content-start':
      case 'content-delta': {
        const c = m?.content;
        const out: NormalizedChunk[] = [];
        if (c?.text) out.push({ choices: [{ index: 0, content: c.text }] });
        if (c?.thinking) out.push({ choices: [{ index: 0, reasoning: c.thinking }] });
        const lp = cohereLogprobs(ev.logprobs ? [ev.logprobs].flat() : undefined);
        if (lp) out.push({ choices: [{ index: 0, logprobsJson: lp }] });
        return out;
      }
      case 'tool-plan-delta':
        return m?.tool_plan ? [{ choices: [{ index: 0, reasoning: m.tool_plan }] }] : [];
      case 'tool-call-start': {
        const tc = m?.tool_calls;
        const index = this.toolIndex.size;
        this.toolIndex.set(ev.index ?? index, index);
        return [{ choices: [{ index: 0, toolCalls: [{ index, id: tc?.id, name: tc?.function?.name, arguments: tc?.function?.arguments ?? '' }] }] }];
      }
      case 'tool-call-delta': {
        const args = m?.tool_calls?.function?.arguments;
        const index = this.toolIndex.get(ev.index ?? 0) ?? 0;
        return args ? [{ choices: [{ index: 0, toolCalls: [{ index, arguments: args }] }] }] : [];
      }
      case 'content-end':
      case 'tool-call-end':
      case 'citation-start':
      case 'citation-end':
        return [];
      case 'message-end': {
        if (ev.delta?.usage) this.usage = normalizeCohereUsage(ev.delta.usage);
        const finish = finishReasonOf(this.provider, ev.delta?.finish_reason, ev.delta?.error);
        this.ended = true;
        return [{ choices: [{ index: 0, finishReason: finish ?? 'stop' }] }];
      }
      default:
        this.hooks.onUnrecognized({ provider: this.provider, sample: event.data.slice(0, 500) });
        return [{ choices: [], passthroughJson: enc.encode(event.data) }];
    }
  }

  result() {
    return { usage: this.usage, meta: this.meta, finished: this.ended };
  }
}
