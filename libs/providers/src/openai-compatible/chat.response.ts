import { ProviderError } from '@gatewayz/errors';
import type { ChoiceDeltaInit, NormalizedChunk, NormalizedUsage, UpstreamMeta } from '../contract';
import type { ErrorDetail } from '../http-chat';
import { malformed } from '../http-chat';

const enc = new TextEncoder();

export interface OpenAIUsageWire {
  prompt_tokens?: number;
  completion_tokens?: number;
  prompt_tokens_details?: { cached_tokens?: number; cache_write_tokens?: number } | null;
  completion_tokens_details?: { reasoning_tokens?: number } | null;
  /** DeepSeek's cache accounting. */
  prompt_cache_hit_tokens?: number;
}

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/**
 * OpenAI convention: prompt_tokens includes cached tokens (and, on OpenRouter, cache writes);
 * completion_tokens includes reasoning. Normalized into non-overlapping buckets.
 */
export function normalizeOpenAIUsage(u: OpenAIUsageWire): NormalizedUsage {
  const prompt = n(u.prompt_tokens);
  const cacheRead = Math.min(prompt, n(u.prompt_tokens_details?.cached_tokens) || n(u.prompt_cache_hit_tokens));
  const cacheWrite = Math.min(prompt - cacheRead, n(u.prompt_tokens_details?.cache_write_tokens));
  return {
    inputTokens: prompt - cacheRead - cacheWrite,
    cacheReadTokens: cacheRead,
    cacheWriteTokens: cacheWrite,
    outputTokens: n(u.completion_tokens),
    reasoningTokens: n(u.completion_tokens_details?.reasoning_tokens),
    estimated: false,
  };
}

interface WireToolCall {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

interface WireMessage {
  role?: string;
  content?: unknown;
  refusal?: unknown;
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: WireToolCall[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

export function toChoiceDelta(index: number, m: WireMessage, finishReason: unknown, logprobs: unknown): ChoiceDeltaInit {
  const delta: ChoiceDeltaInit = { index };
  if (m.role === 'assistant') delta.role = 'assistant';
  const content = str(m.content);
  if (content !== undefined) delta.content = content;
  const reasoning = str(m.reasoning_content) ?? str(m.reasoning);
  if (reasoning !== undefined) delta.reasoning = reasoning;
  const refusal = str(m.refusal);
  if (refusal !== undefined) delta.refusal = refusal;
  if (Array.isArray(m.tool_calls) && m.tool_calls.length > 0) {
    delta.toolCalls = m.tool_calls.map((tc, i) => ({
      index: typeof tc.index === 'number' ? tc.index : i,
      id: str(tc.id),
      name: str(tc.function?.name),
      arguments: str(tc.function?.arguments),
    }));
  }
  if (typeof finishReason === 'string') delta.finishReason = finishReason;
  if (logprobs && typeof logprobs === 'object') delta.logprobsJson = enc.encode(JSON.stringify(logprobs));
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
