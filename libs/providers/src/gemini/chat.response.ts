import { randomBytes } from 'node:crypto';
import { ProviderError } from '@gatewayz/errors';
import { encodeLogprobs, tokenLogprob, top, type TokenLogprob } from '../common/logprobs';
import { nonNegative as n, str } from '../common/params';
import type { ChoiceDeltaInit, NormalizedUsage, ToolCallInit } from '../contract';
import { malformed, type ErrorDetail, type ParsedResponse } from '../http-chat';
import type { GeminiCandidate, GeminiResponse, GeminiUsageMetadata } from './types';

/**
 * Gemini's promptTokenCount includes cached tokens; candidatesTokenCount excludes thinking
 * (thoughtsTokenCount); tool-use prompt tokens are input too. Normalized into non-overlapping
 * buckets.
 */
export function normalizeGeminiUsage(u: GeminiUsageMetadata): NormalizedUsage {
  const prompt = n(u.promptTokenCount) + n(u.toolUsePromptTokenCount);
  const cached = Math.min(prompt, n(u.cachedContentTokenCount));
  const thoughts = n(u.thoughtsTokenCount);
  return {
    inputTokens: prompt - cached,
    cacheReadTokens: cached,
    cacheWriteTokens: 0,
    outputTokens: n(u.candidatesTokenCount) + thoughts,
    reasoningTokens: thoughts,
    estimated: false,
  };
}

/** Safety and policy stops are content filtering; anything else unusual ends like a normal stop. */
const FINISH_REASONS: Record<string, string> = {
  STOP: 'stop',
  MAX_TOKENS: 'length',
  SAFETY: 'content_filter',
  RECITATION: 'content_filter',
  BLOCKLIST: 'content_filter',
  PROHIBITED_CONTENT: 'content_filter',
  SPII: 'content_filter',
  IMAGE_SAFETY: 'content_filter',
  LANGUAGE: 'content_filter',
};

export function finishReasonOf(reason: string | undefined, calledTools: boolean): string | undefined {
  if (!reason || reason === 'FINISH_REASON_UNSPECIFIED') return undefined;
  const finish = FINISH_REASONS[reason] ?? 'stop';
  return finish === 'stop' && calledTools ? 'tool_calls' : finish;
}

/** chosenCandidates[i] with topCandidates[i] → OpenAI logprobs content. */
export function geminiLogprobs(result: GeminiCandidate['logprobsResult']): TokenLogprob[] {
  const chosen = result?.chosenCandidates ?? [];
  return chosen.map((c, i) =>
    tokenLogprob(
      c.token ?? '',
      c.logProbability ?? 0,
      (result?.topCandidates?.[i]?.candidates ?? []).map((t) => top(t.token ?? '', t.logProbability ?? 0)),
    ),
  );
}

export function newToolCallId(): string {
  return `call_${randomBytes(12).toString('base64url')}`;
}

/**
 * One candidate → a choice delta. Function calls arrive whole (arguments as an object), so each
 * is one tool-call delta with id, name and arguments; `nextToolIndex` keeps indexes stable
 * across the chunks of a stream.
 */
export function candidateDelta(c: GeminiCandidate, position: number, nextToolIndex: () => number): { delta: ChoiceDeltaInit; calledTools: boolean } {
  const delta: ChoiceDeltaInit = { index: typeof c.index === 'number' ? c.index : position };
  let text: string | undefined;
  let reasoning: string | undefined;
  const toolCalls: ToolCallInit[] = [];
  for (const part of c.content?.parts ?? []) {
    const call = part.functionCall as { id?: unknown; name?: unknown; args?: unknown } | undefined;
    if (call && typeof call.name === 'string') {
      toolCalls.push({ index: nextToolIndex(), id: str(call.id) ?? newToolCallId(), name: call.name, arguments: JSON.stringify(call.args ?? {}) });
    } else if (typeof part.text === 'string') {
      if (part.thought === true) reasoning = (reasoning ?? '') + part.text;
      else text = (text ?? '') + part.text;
    }
  }
  if (text !== undefined) delta.content = text;
  if (reasoning !== undefined) delta.reasoning = reasoning;
  if (toolCalls.length > 0) delta.toolCalls = toolCalls;
  if (c.logprobsResult?.chosenCandidates?.length) delta.logprobsJson = encodeLogprobs(geminiLogprobs(c.logprobsResult));
  return { delta, calledTools: toolCalls.length > 0 };
}

const STATUS_BY_CODE: Record<number, number> = { 400: 400, 429: 429 };

/** An error object inside a 200 body or a stream event. */
export function geminiError(provider: string, error: GeminiResponse['error']): ProviderError {
  const code = typeof error?.code === 'number' ? error.code : 500;
  const status = STATUS_BY_CODE[code] ?? 502;
  return new ProviderError({
    provider,
    upstreamStatus: code,
    code: status === 429 ? 'upstream_rate_limited' : status === 400 ? 'invalid_request' : 'upstream_error',
    message: status === 400 && error?.message ? error.message : `Provider ${provider} reported ${error?.status ?? 'an error'}${error?.message ? `: ${error.message.slice(0, 500)}` : '.'}`,
    status,
  });
}

export function parseGenerateContentResponse(body: unknown, provider: string): ParsedResponse {
  const res = body as GeminiResponse;
  if (!res || typeof res !== 'object') throw malformed(provider, 'no candidates');
  if (res.error) throw geminiError(provider, res.error);
  const usage = res.usageMetadata ? normalizeGeminiUsage(res.usageMetadata) : undefined;
  const meta = { id: res.responseId };
  const candidates = res.candidates ?? [];
  if (candidates.length === 0) {
    // The prompt itself was blocked: no candidate, only promptFeedback.blockReason.
    if (res.promptFeedback?.blockReason) return { chunk: { choices: [{ index: 0, role: 'assistant', finishReason: 'content_filter' }] }, usage, meta };
    throw malformed(provider, 'no candidates');
  }
  let toolIndex = 0;
  const choices = candidates.map((c, i) => {
    toolIndex = 0;
    const { delta, calledTools } = candidateDelta(c, i, () => toolIndex++);
    delta.role = 'assistant';
    if (delta.content === undefined && !calledTools) delta.content = '';
    delta.finishReason = finishReasonOf(c.finishReason, calledTools) ?? 'stop';
    return delta;
  });
  return { chunk: { choices }, usage, meta };
}

/** google.rpc.RetryInfo's retryDelay ("20s", "1.5s") in milliseconds. */
function retryDelayMs(details: unknown): number | undefined {
  if (!Array.isArray(details)) return undefined;
  for (const d of details as { '@type'?: unknown; retryDelay?: unknown }[]) {
    const m = typeof d?.retryDelay === 'string' ? /^(\d+(?:\.\d+)?)s$/.exec(d.retryDelay) : null;
    if (m) return Math.round(Number(m[1]) * 1000);
  }
  return undefined;
}

/** Google's error body: {"error":{"code","message","status","details"}} (a list of them on some proxies). */
export function extractGeminiError(body: unknown, text: string): ErrorDetail {
  const b = (Array.isArray(body) ? body[0] : body) as GeminiResponse | undefined;
  if (b && typeof b === 'object' && b.error && typeof b.error === 'object') {
    return { message: str(b.error.message), type: str(b.error.status), code: str(b.error.status), retryAfterMs: retryDelayMs(b.error.details) };
  }
  return { message: text.trim() ? text.trim().slice(0, 500) : undefined };
}
