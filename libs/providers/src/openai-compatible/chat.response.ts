import { ProviderError } from '@gatewayz/errors';
import type { ChoiceDeltaInit, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import type { ErrorDetail } from '../http-chat';
import { malformed } from '../http-chat';
import { encodeLogprobs, fromCompletionsStyle } from '../common/logprobs';
import { nonNegative } from '../common/params';

const enc = new TextEncoder();

export interface OpenAIUsageWire {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  /** DeepSeek's cache accounting. */
  prompt_cache_hit_tokens?: number;
  /** Moonshot's cache accounting. */
  cached_tokens?: number;
}

const n = nonNegative;

/**
 * OpenAI convention: prompt_tokens includes cached tokens (and, on OpenRouter, cache writes);
 * completion_tokens includes reasoning. Normalized into non-overlapping buckets. Providers that
 * report reasoning outside completion_tokens (xAI: total = prompt + completion + reasoning) are
 * recognized by their total, so reasoning is neither lost nor counted twice.
 */
export function normalizeOpenAIUsage(u: OpenAIUsageWire): NormalizedUsage {
  const prompt = n(u.prompt_tokens);
  const completion = n(u.completion_tokens);
  const reasoning = n(u.completion_tokens_details?.reasoning_tokens);
  const cacheRead = Math.min(prompt, n(u.prompt_tokens_details?.cached_tokens) || n(u.prompt_cache_hit_tokens) || n(u.cached_tokens));
  const cacheWrite = Math.min(prompt - cacheRead, n(u.prompt_tokens_details?.cache_write_tokens));
  const total = n(u.total_tokens);
  const reasoningOutside = reasoning > 0 && total === prompt + completion + reasoning;
  return {
    inputTokens: prompt - cacheRead - cacheWrite,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: reasoningOutside ? completion + reasoning : completion,
    reasoningTokens: reasoning,
    estimated: false,
  };
}

export interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

export interface WireMessage {
  role?: string;
  content?: unknown;
  refusal?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: WireToolCall[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Content as typed parts (Mistral's Magistral: text and thinking chunks) → text and reasoning. */
function splitParts(parts: unknown[]): { text: string | undefined; thinking: string | undefined } {
  let text: string | undefined;
  let thinking: string | undefined;
  const textOfPart = (v: unknown): string =>
    typeof v === 'string' ? v : Array.isArray(v) ? v.map((x: { text?: unknown }) => (typeof x?.text === 'string' ? x.text : '')).join('') : '';
  for (const p of parts as { type?: unknown; text?: unknown; thinking?: unknown }[]) {
    if (p?.type === 'text' && typeof p.text === 'string') text = (text ?? '') + p.text;
    else if (p?.type === 'thinking') thinking = (thinking ?? '') + textOfPart(p.thinking);
  }
  return { text, thinking };
}

/** The choice's logprobs as OpenAI chat logprobs JSON (the legacy completions shape converted). */
function logprobsJson(logprobs: unknown): Uint8Array | undefined {
  if (!logprobs || typeof logprobs !== 'object') return undefined;
  const legacy = fromCompletionsStyle(logprobs);
  return legacy ? encodeLogprobs(legacy) : enc.encode(JSON.stringify(logprobs));
}

/** Index of a tool-call delta; hosts that omit `index` are numbered by position (streams override this). */
export type ToolIndexer = (call: WireToolCall, position: number) => number;

const byPosition: ToolIndexer = (tc, i) => (typeof tc.index === 'number' ? tc.index : i);

export function toChoiceDelta(index: number, m: WireMessage, finishReason: unknown, logprobs: unknown, toolIndex: ToolIndexer = byPosition): ChoiceDeltaInit {
  const delta: ChoiceDeltaInit = { index };
  if (m.role === 'assistant') delta.role = 'assistant';
  const parts = Array.isArray(m.content) ? splitParts(m.content) : undefined;
  const content = parts ? parts.text : str(m.content);
  if (content !== undefined) delta.content = content;
  const reasoning = str(m.reasoning_content) ?? str(m.reasoning) ?? parts?.thinking;
  if (reasoning !== undefined) delta.reasoning = reasoning;
  const refusal = str(m.refusal);
  if (refusal !== undefined) delta.refusal = refusal;
  if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
    delta.toolCalls = m.tool_calls.map((tc, i) => ({
      index: toolIndex(tc, i),
      id: str(tc.id),
      name: str(tc.function?.name),
      arguments: str(tc.function?.arguments),
    }));
  }
  if (typeof finishReason === 'string') delta.finishReason = finishReason;
  const lp = logprobsJson(logprobs);
  if (lp) delta.logprobsJson = lp;
  return delta;
}

export function inBodyError(provider: string, error: unknown, upstreamStatus: number): ProviderError {
  const e = (error ?? {}) as { message?: unknown; code?: unknown; type?: unknown };
  const code = typeof e.code === 'number' ? e.code : Number(e.code);
  const label = `${typeof e.code === 'string' ? e.code : ''} ${typeof e.type === 'string' ? e.type : ''}`;
  const status = Number.isInteger(code) && code >= 400 && code < 600 ? code : /rate_limit|too_many_requests/i.test(label) ? 429 : 502;
  return new ProviderError({
    provider,
    upstreamStatus: status === 502 ? upstreamStatus : status,
    code: status === 429 ? 'upstream_rate_limited' : 'upstream_error',
    message: `Provider ${provider} reported an error${typeof e.message === 'string' ? `: ${e.message.slice(0, 500)}` : '.'}`,
    status: status === 429 ? 429 : 502,
  });
}

/** A complete chat.completion → one normalized chunk carrying every choice. */
export function parseChatResponse(body: unknown, provider: string): { chunk: NormalizedChunk; usage: NormalizedUsage | undefined; meta: UpstreamMeta } {
  const json = body as { id?: unknown; system_fingerprint?: unknown; choices?: unknown; usage?: OpenAIUsageWire; error?: unknown };
  if (json && typeof json === 'object' && json.error) throw inBodyError(provider, json.error, 200);
  if (!json || typeof json !== 'object' || !Array.isArray(json.choices)) throw malformed(provider, 'no choices');
  const choices = (json.choices as { index?: number; message?: WireMessage; finish_reason?: unknown; logprobs?: unknown }[]).map((c, i) =>
    toChoiceDelta(typeof c.index === 'number' ? c.index : i, { role: 'assistant', ...c.message }, c.finish_reason, c.logprobs),
  );
  return {
    chunk: { choices },
    usage: json.usage ? normalizeOpenAIUsage(json.usage) : undefined,
    meta: { id: str(json.id), systemFingerprint: str(json.system_fingerprint) },
  };
}

/** OpenAI's error body, and the shapes its imitators use. */
export function extractOpenAIError(body: unknown, text: string): ErrorDetail {
  const b = body as { error?: unknown; message?: unknown; detail?: unknown } | undefined;
  if (b && typeof b === 'object') {
    if (b.error && typeof b.error === 'object') {
      const e = b.error as Record<string, unknown>;
      return { message: str(e.message), type: str(e.type), code: str(e.code), param: str(e.param) };
    }
    if (typeof b.error === 'string') return { message: b.error };
    if (typeof b.message === 'string') return { message: b.message };
    if (typeof b.detail === 'string') return { message: b.detail };
  }
  return { message: text.trim() ? text.trim().slice(0, 500) : undefined };
}
