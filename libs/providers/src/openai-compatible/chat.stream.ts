import type { AdapterHooks, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import { malformed, type StreamTranslator } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';
import { inBodyError, normalizeOpenAIUsage, toChoiceDelta, type OpenAIUsageWire, type ToolIndexer, type WireMessage } from './chat.response';

/** Per choice: tool-call indexes handed out, for hosts whose deltas carry no `index`. */
interface ToolIndexState {
  next: number;
  byId: Map<string, number>;
  last: number;
}

const enc = new TextEncoder();

/** OpenAI chat.completion.chunk stream → normalized chunks. One instance per request. */
export class OpenAIStreamTranslator implements StreamTranslator {
  private usage: NormalizedUsage | undefined;
  private readonly meta: UpstreamMeta = {};
  private sawDone = false;
  /** Per choice index: has it finished? A stream is complete when every choice has. */
  private readonly finished = new Map<number, boolean>();
  private readonly toolIndexes = new Map<number, ToolIndexState>();

  constructor(
    private readonly provider: string,
    private readonly hooks: AdapterHooks,
  ) {}

  push(event: SseEvent): NormalizedChunk[] {
    const data = event.data;
    if (data === '[DONE]') {
      this.sawDone = true;
      return [];
    }
    let json: Record<string, unknown>;
    try {
      json = JSON.parse(data) as Record<string, unknown>;
    } catch {
      throw malformed(this.provider, 'a stream event is not JSON');
    }
    if (json === null || typeof json !== 'object') throw malformed(this.provider, 'a stream event is not an object');
    if (json.error) throw inBodyError(this.provider, json.error, 200);
    if (typeof json.id === 'string' && json.id) this.meta.id ??= json.id;
    if (typeof json.system_fingerprint === 'string') this.meta.systemFingerprint = json.system_fingerprint;
    // Usage: top level (OpenAI), under x_groq (Groq), or inside the last choice (Moonshot).
    const groq = json.x_groq as { usage?: unknown } | undefined;
    const usage = json.usage ?? groq?.usage;
    if (usage && typeof usage === 'object') this.usage = normalizeOpenAIUsage(usage as OpenAIUsageWire);

    if (Array.isArray(json.choices)) {
      if (json.choices.length === 0) return [];
      const choices = (json.choices as { index?: number; delta?: object; finish_reason?: unknown; logprobs?: unknown; usage?: unknown }[]).map((c, i) => {
        const index = typeof c.index === 'number' ? c.index : i;
        if (typeof c.finish_reason === 'string') this.finished.set(index, true);
        else if (!this.finished.has(index)) this.finished.set(index, false);
        if (c.usage && typeof c.usage === 'object') this.usage = normalizeOpenAIUsage(c.usage as OpenAIUsageWire);
        return toChoiceDelta(index, (c.delta ?? {}) as WireMessage, c.finish_reason, c.logprobs, this.indexer(index));
      });
      return [{ choices }];
    }
    if (usage) return [];
    // Not a shape we know: never dropped silently. Reported, and forwarded as it came.
    this.hooks.onUnrecognized({ provider: this.provider, sample: data.slice(0, 500) });
    return [{ choices: [], passthroughJson: enc.encode(data) }];
  }

  /**
   * Stable tool-call indexes per choice: the host's `index` when it sends one; otherwise a new
   * id opens the next index and a delta without an id continues the last call.
   */
  private indexer(choice: number): ToolIndexer {
    let state = this.toolIndexes.get(choice);
    if (!state) {
      state = { next: 0, byId: new Map(), last: 0 };
      this.toolIndexes.set(choice, state);
    }
    const s = state;
    return (tc) => {
      let index: number;
      if (typeof tc.index === 'number') index = tc.index;
      else if (tc.id !== undefined) index = s.byId.get(tc.id) ?? s.next;
      else index = s.last;
      if (tc.id !== undefined) s.byId.set(tc.id, index);
      s.next = Math.max(s.next, index + 1);
      s.last = index;
      return index;
    };
  }

  result() {
    const allFinished = this.finished.size > 0 && [...this.finished.values()].every(Boolean);
    return { usage: this.usage, meta: this.meta, finished: this.sawDone || allFinished };
  }
}
