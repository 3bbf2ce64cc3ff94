import type { AdapterHooks, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import { malformed, type StreamTranslator } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';
import { inBodyError, normalizeOpenAIUsage, toChoiceDelta, type OpenAIUsageWire } from './chat.response';

const enc = new TextEncoder();

/** OpenAI chat.completion.chunk stream → normalized chunks. One instance per request. */
export class OpenAIStreamTranslator implements StreamTranslator {
  private usage: NormalizedUsage | undefined;
  private readonly meta: UpstreamMeta = {};
  private sawDone = false;
  /** Per choice index: has it finished? A stream is complete when every choice has. */
  private readonly finished = new Map<number, boolean>();

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
    if (typeof json.id === 'string') this.meta.id ??= json.id;
    if (typeof json.system_fingerprint === 'string') this.meta.systemFingerprint = json.system_fingerprint;
    if (json.usage && typeof json.usage === 'object') this.usage = normalizeOpenAIUsage(json.usage as OpenAIUsageWire);

    if (Array.isArray(json.choices)) {
      if (json.choices.length === 0) return [];
      const choices = (json.choices as { index?: number; delta?: object; finish_reason?: unknown; logprobs?: unknown }[]).map((c, i) => {
        const index = typeof c.index === 'number' ? c.index : i;
        if (typeof c.finish_reason === 'string') this.finished.set(index, true);
        else if (!this.finished.has(index)) this.finished.set(index, false);
        return toChoiceDelta(index, (c.delta ?? {}) as never, c.finish_reason, c.logprobs);
      });
      return [{ choices }];
    }
    if (json.usage) return [];
    // Not a shape we know: never dropped silently. Reported, and forwarded as it came.
    this.hooks.onUnrecognized({ provider: this.provider, sample: data.slice(0, 500) });
    return [{ choices: [], passthroughJson: enc.encode(data) }];
  }

  result() {
    const allFinished = this.finished.size > 0 && [...this.finished.values()].every(Boolean);
    return { usage: this.usage, meta: this.meta, finished: this.sawDone || allFinished };
  }
}
