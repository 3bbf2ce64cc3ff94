import { randomBytes } from 'node:crypto';
import { microsToDollarNumber } from '@gatewayz/catalog';
import type { ChatChunk, ChoiceDelta, Usage } from '@gatewayz/proto';
import type { ChatCompletion, ChatCompletionChunk, ChoiceLogprobs, CompletionUsage, ToolCall } from '@gatewayz/wire';

const dec = new TextDecoder();

export function completionId(): string {
  return `chatcmpl-${randomBytes(18).toString('base64url')}`;
}

function logprobsOf(c: ChoiceDelta): ChoiceLogprobs | null {
  if (c.logprobsJson.length === 0) return null;
  const parsed = JSON.parse(dec.decode(c.logprobsJson)) as Partial<ChoiceLogprobs>;
  // Arrays per the OpenAI spec: never null where the spec says array.
  return { content: parsed.content ?? [], refusal: parsed.refusal ?? null };
}

/** One normalized chunk → the `choices` of an OpenAI chat.completion.chunk. */
export function toChunkChoices(chunk: ChatChunk): ChatCompletionChunk['choices'] {
  return chunk.choices.map((c) => {
    const delta: ChatCompletionChunk['choices'][number]['delta'] = {};
    if (c.role !== undefined) delta.role = 'assistant';
    if (c.content !== undefined) delta.content = c.content;
    if (c.reasoning !== undefined) delta.reasoning_content = c.reasoning;
    if (c.refusal !== undefined) delta.refusal = c.refusal;
    if (c.toolCalls.length > 0) {
      delta.tool_calls = c.toolCalls.map((t) => {
        const fn: { name?: string; arguments?: string } = {};
        if (t.name !== undefined) fn.name = t.name;
        if (t.arguments !== undefined) fn.arguments = t.arguments;
        return t.id !== undefined ? { index: t.index, id: t.id, type: 'function' as const, function: fn } : { index: t.index, function: fn };
      });
    }
    return { index: c.index, delta, logprobs: logprobsOf(c), finish_reason: c.finishReason ?? null };
  });
}

/** Buckets → OpenAI usage (prompt_tokens includes cached ones, as OpenAI reports), plus cost. */
export function toOpenAIUsage(u: Usage, costMicros: bigint): CompletionUsage {
  const prompt = u.inputTokens + u.cacheReadTokens + u.cacheWriteTokens;
  const usage: CompletionUsage = {
    prompt_tokens: prompt,
    completion_tokens: u.outputTokens,
    total_tokens: prompt + u.outputTokens,
    prompt_tokens_details: { cached_tokens: u.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: u.reasoningTokens },
    cost: microsToDollarNumber(costMicros),
  };
  if (u.cacheWriteTokens > 0) usage.prompt_tokens_details!.cache_write_tokens = u.cacheWriteTokens;
  return usage;
}

interface ChoiceState {
  content: string | null;
  reasoning: string | null;
  refusal: string | null;
  tools: Map<number, ToolCall>;
  finish: string | null;
  logprobs: ChoiceLogprobs | null;
}

/** Folds the chunks of a response into one chat.completion (non-streaming clients). */
export class CompletionAssembler {
  private readonly choices = new Map<number, ChoiceState>();

  add(chunk: ChatChunk): void {
    for (const c of chunk.choices) {
      let s = this.choices.get(c.index);
      if (!s) {
        s = { content: null, reasoning: null, refusal: null, tools: new Map(), finish: null, logprobs: null };
        this.choices.set(c.index, s);
      }
      if (c.content !== undefined) s.content = (s.content ?? '') + c.content;
      if (c.reasoning !== undefined) s.reasoning = (s.reasoning ?? '') + c.reasoning;
      if (c.refusal !== undefined) s.refusal = (s.refusal ?? '') + c.refusal;
      for (const t of c.toolCalls) {
        const existing = s.tools.get(t.index);
        if (existing) {
          if (t.id !== undefined) existing.id = t.id;
          if (t.name !== undefined) existing.function.name += t.name;
          if (t.arguments !== undefined) existing.function.arguments += t.arguments;
        } else {
          s.tools.set(t.index, { id: t.id ?? '', type: 'function', function: { name: t.name ?? '', arguments: t.arguments ?? '' } });
        }
      }
      if (c.finishReason !== undefined) s.finish = c.finishReason;
      const lp = logprobsOf(c);
      if (lp) {
        s.logprobs ??= { content: [], refusal: null };
        s.logprobs.content = [...(s.logprobs.content ?? []), ...(lp.content ?? [])];
        if (lp.refusal) s.logprobs.refusal = [...(s.logprobs.refusal ?? []), ...lp.refusal];
      }
    }
  }

  build(meta: { id: string; created: number; model: string; systemFingerprint: string; provider: string; usage: CompletionUsage }): ChatCompletion {
    const choices = [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => {
        const message: ChatCompletion['choices'][number]['message'] = { role: 'assistant', content: s.content, refusal: s.refusal };
        if (s.tools.size > 0) message.tool_calls = [...s.tools.entries()].sort(([a], [b]) => a - b).map(([, t]) => t);
        if (s.reasoning !== null) message.reasoning_content = s.reasoning;
        return { index, message, logprobs: s.logprobs, finish_reason: s.finish ?? 'stop' };
      });
    return {
      id: meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      system_fingerprint: meta.systemFingerprint || null,
      choices,
      usage: meta.usage,
      provider: meta.provider,
    };
  }
}
