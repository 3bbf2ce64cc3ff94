import { ProviderError } from '@gatewayz/errors';
import { encodeLogprobs, tokenLogprob } from '../common/logprobs';
import { nonNegative as n, str } from '../common/params';
import type { ChoiceDeltaInit, NormalizedUsage, ToolCallInit } from '../contract';
import { malformed, type ErrorDetail, type ParsedResponse } from '../http-chat';

export interface CohereUsageWire {
  billed_units?: { input_tokens?: number; output_tokens?: number };
  tokens?: { input_tokens?: number; output_tokens?: number };
  cached_tokens?: number;
}

/**
 * Cohere reports billed units (what it charges: the user's tokens) and raw tokens (including its
 * prompt template). Billed units are preferred, raw tokens the fallback; cached tokens are part
 * of the input and are moved to their own bucket.
 */
export function normalizeCohereUsage(u: CohereUsageWire): NormalizedUsage {
  const input = n(u.billed_units?.input_tokens ?? u.tokens?.input_tokens);
  const cached = Math.min(input, n(u.cached_tokens));
  return {
    inputTokens: input - cached,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    outputTokens: n(u.billed_units?.output_tokens ?? u.tokens?.output_tokens),
    reasoningTokens: 0,
    estimated: false,
  };
}

const FINISH_REASONS: Record<string, string> = { COMPLETE: 'stop', STOP_SEQUENCE: 'stop', MAX_TOKENS: 'length', TOOL_CALL: 'tool_calls' };

/** Cohere's finish reason; ERROR and TIMEOUT are upstream failures, not endings. */
export function finishReasonOf(provider: string, reason: unknown, error?: unknown): string | undefined {
  if (typeof reason !== 'string') return undefined;
  if (reason === 'ERROR' || reason === 'TIMEOUT') {
    throw new ProviderError({
      provider,
      upstreamStatus: 200,
      code: reason === 'TIMEOUT' ? 'upstream_timeout' : 'upstream_error',
      message: `Provider ${provider} ended the generation with ${reason}${typeof error === 'string' ? `: ${error.slice(0, 500)}` : '.'}`,
      status: reason === 'TIMEOUT' ? 504 : 502,
    });
  }
  return FINISH_REASONS[reason] ?? 'stop';
}

/** Cohere logprobs: spans of text with the log probability of each of their tokens → one entry per span (their sum). */
export function cohereLogprobs(items: unknown): Uint8Array | undefined {
  if (!Array.isArray(items) || items.length === 0) return undefined;
  return encodeLogprobs(
    (items as { text?: unknown; logprobs?: unknown }[]).map((it) =>
      tokenLogprob(str(it.text) ?? '', Array.isArray(it.logprobs) ? (it.logprobs as unknown[]).reduce<number>((a, b) => a + (typeof b === 'number' ? b : 0), 0) : 0),
    ),
  );
}

interface CohereMessageWire {
  content?: { type?: string; text?: string; thinking?: string }[];
  tool_plan?: string;
  tool_calls?: { id?: string; function?: { name?: string; arguments?: string } }[];
}

export function parseCohereResponse(body: unknown, provider: string): ParsedResponse {
  const res = body as { id?: unknown; finish_reason?: unknown; message?: CohereMessageWire; usage?: CohereUsageWire; logprobs?: unknown } | null;
  if (!res || typeof res !== 'object' || !res.message || typeof res.message !== 'object') throw malformed(provider, 'no message');
  const delta: ChoiceDeltaInit = { index: 0, role: 'assistant' };
  let text = '';
  let thinking = '';
  for (const part of res.message.content ?? []) {
    if (part.type === 'text' && typeof part.text === 'string') text += part.text;
    else if (part.type === 'thinking' && typeof part.thinking === 'string') thinking += part.thinking;
  }
  const toolCalls: ToolCallInit[] = (res.message.tool_calls ?? []).map((tc, i) => ({ index: i, id: str(tc.id), name: str(tc.function?.name), arguments: str(tc.function?.arguments) ?? '{}' }));
  if (text || toolCalls.length === 0) delta.content = text;
  const reasoning = thinking || res.message.tool_plan;
  if (reasoning) delta.reasoning = reasoning;
  if (toolCalls.length > 0) delta.toolCalls = toolCalls;
  delta.finishReason = finishReasonOf(provider, res.finish_reason) ?? 'stop';
  const lp = cohereLogprobs(res.logprobs);
  if (lp) delta.logprobsJson = lp;
  return { chunk: { choices: [delta] }, usage: res.usage ? normalizeCohereUsage(res.usage) : undefined, meta: { id: str(res.id) } };
}

/** Cohere's error body: {"id": "...", "message": "..."} (older: {"message"} alone). */
export function extractCohereError(body: unknown, text: string): ErrorDetail {
  const b = body as { message?: unknown; data?: unknown } | undefined;
  if (b && typeof b === 'object' && typeof b.message === 'string') return { message: b.message };
  return { message: text.trim() ? text.trim().slice(0, 500) : undefined };
}
