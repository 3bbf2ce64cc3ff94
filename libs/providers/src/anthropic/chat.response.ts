import { ProviderError } from '@gatewayz/errors';
import type { AnthropicMessage, AnthropicUsage } from '@gatewayz/wire';
import type { ChoiceDeltaInit, NormalizedChunk, NormalizedUsage, ToolCallInit, UpstreamMeta } from '../contract';
import type { JsonToolContext } from '../common/json-emulation';
import { malformed, type ErrorDetail } from '../http-chat';

const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

/** Anthropic's input_tokens already excludes cache reads and writes: buckets map one to one. */
export function normalizeAnthropicUsage(u: AnthropicUsage): NormalizedUsage {
  return {
    inputTokens: n(u.input_tokens),
    cacheReadTokens: n(u.cache_read_input_tokens),
    cacheWriteTokens: n(u.cache_creation_input_tokens),
    outputTokens: n(u.output_tokens),
    reasoningTokens: 0,
    estimated: false,
  };
}

const STOP_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  pause_turn: 'stop',
  max_tokens: 'length',
  tool_use: 'tool_calls',
  refusal: 'content_filter',
};

export function finishReasonOf(stopReason: string | null | undefined): string | undefined {
  if (!stopReason) return undefined;
  return STOP_REASONS[stopReason] ?? 'stop';
}

export function parseMessagesResponse(
  body: unknown,
  provider: string,
  context: JsonToolContext = {},
): { chunk: NormalizedChunk; usage: NormalizedUsage | undefined; meta: UpstreamMeta } {
  const msg = body as AnthropicMessage;
  const maybeError = body as { type?: string; error?: { type?: string; message?: string } } | null;
  if (maybeError && maybeError.type === 'error') throw streamError(provider, maybeError.error);
  if (!msg || typeof msg !== 'object' || !Array.isArray(msg.content)) throw malformed(provider, 'no content');
  const delta: ChoiceDeltaInit = { index: 0, role: 'assistant' };
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCallInit[] = [];
  for (const block of msg.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'thinking') reasoning += block.thinking;
    else if (block.type === 'tool_use' && block.name === context.jsonTool) text += JSON.stringify(block.input ?? {});
    else if (block.type === 'tool_use') {
      toolCalls.push({ index: toolCalls.length, id: block.id, name: block.name, arguments: JSON.stringify(block.input ?? {}) });
    }
  }
  if (text || toolCalls.length === 0) delta.content = text;
  if (reasoning) delta.reasoning = reasoning;
  if (toolCalls.length > 0) delta.toolCalls = toolCalls;
  // The emulated JSON answer is a tool call on the wire but a normal answer to the client.
  const finish = finishReasonOf(msg.stop_reason) ?? 'stop';
  delta.finishReason = finish === 'tool_calls' && toolCalls.length === 0 ? 'stop' : finish;
  return { chunk: { choices: [delta] }, usage: msg.usage ? normalizeAnthropicUsage(msg.usage) : undefined, meta: { id: msg.id } };
}

/** An `error` event or error body. overloaded_error (529) and api_error are provider failures. */
export function streamError(provider: string, error: { type?: string; message?: string } | undefined): ProviderError {
  const type = error?.type ?? 'api_error';
  const status = type === 'overloaded_error' ? 529 : type === 'rate_limit_error' ? 429 : type === 'invalid_request_error' ? 400 : 500;
  return new ProviderError({
    provider,
    upstreamStatus: status,
    code: status === 429 ? 'upstream_rate_limited' : status === 400 ? 'invalid_request' : 'upstream_error',
    message: status === 400 && error?.message ? error.message : `Provider ${provider} reported ${type}${error?.message ? `: ${error.message.slice(0, 500)}` : '.'}`,
    status: status === 400 ? 400 : status === 429 ? 429 : 502,
  });
}

export function extractAnthropicError(body: unknown, text: string): ErrorDetail {
  const b = body as { error?: { type?: unknown; message?: unknown } } | undefined;
  if (b && typeof b === 'object' && b.error && typeof b.error === 'object') {
    return {
      message: typeof b.error.message === 'string' ? b.error.message : undefined,
      type: typeof b.error.type === 'string' ? b.error.type : undefined,
      code: typeof b.error.type === 'string' ? b.error.type : undefined,
    };
  }
  return { message: text.trim() ? text.trim().slice(0, 500) : undefined };
}
