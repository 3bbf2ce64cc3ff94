import type { AdapterHooks, ChoiceDeltaInit, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import { malformed, type StreamTranslator } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';
import { candidateDelta, finishReasonOf, geminiError, normalizeGeminiUsage } from './chat.response';
import type { GeminiResponse } from './types';

const enc = new TextEncoder();

/**
 * streamGenerateContent?alt=sse: every event is a GenerateContentResponse carrying the next
 * parts of each candidate; usageMetadata is cumulative (the last one counts) and finishReason
 * arrives with a candidate's last parts. One instance per request.
 */
export class GeminiStreamTranslator implements StreamTranslator {
  private usage: NormalizedUsage | undefined;
  private readonly meta: UpstreamMeta = {};
  /** Per candidate: finished?, tool calls so far, and whether its role was sent. */
  private readonly candidates = new Map<number, { finished: boolean; tools: number }>();
  private blocked = false;

  constructor(
    private readonly provider: string,
    private readonly hooks: AdapterHooks,
  ) {}

  push(event: SseEvent): NormalizedChunk[] {
    let res: GeminiResponse;
    try {
      res = JSON.parse(event.data) as GeminiResponse;
    } catch {
      throw malformed(this.provider, 'a stream event is not JSON');
    }
    if (res === null || typeof res !== 'object' || Array.isArray(res)) throw malformed(this.provider, 'a stream event is not an object');
    if (res.error) throw geminiError(this.provider, res.error);
    if (res.usageMetadata) this.usage = normalizeGeminiUsage(res.usageMetadata);
    if (res.responseId) this.meta.id ??= res.responseId;
    const candidates = res.candidates ?? [];
    if (candidates.length === 0) {
      if (res.promptFeedback?.blockReason) {
        this.blocked = true;
        return [{ choices: [{ index: 0, role: 'assistant', finishReason: 'content_filter' }] }];
      }
      if (res.usageMetadata || res.promptFeedback) return [];
      this.hooks.onUnrecognized({ provider: this.provider, sample: event.data.slice(0, 500) });
      return [{ choices: [], passthroughJson: enc.encode(event.data) }];
    }
    const choices = candidates.map((c, i): ChoiceDeltaInit => {
      const position = typeof c.index === 'number' ? c.index : i;
      let state = this.candidates.get(position);
      const first = !state;
      state ??= { finished: false, tools: 0 };
      this.candidates.set(position, state);
      const s = state;
      const { delta } = candidateDelta(c, position, () => s.tools++);
      if (first) delta.role = 'assistant';
      const finish = finishReasonOf(c.finishReason, s.tools > 0);
      if (finish) {
        delta.finishReason = finish;
        s.finished = true;
      }
      return delta;
    });
    return [{ choices }];
  }

  result() {
    const all = [...this.candidates.values()];
    const finished = this.blocked || (all.length > 0 && all.every((c) => c.finished));
    return { usage: this.usage, meta: this.meta, finished };
  }
}
