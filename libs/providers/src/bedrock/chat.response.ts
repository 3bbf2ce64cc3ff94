import { ProviderError } from '@gatewayz/errors';
import type { JsonToolContext } from '../common/json-emulation';
import { nonNegative as n, str } from '../common/params';
import type { ChoiceDeltaInit, NormalizedUsage, ToolCallInit } from '../contract';
import { malformed, type ErrorDetail, type ParsedResponse } from '../http-chat';

export interface ConverseUsageWire {
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** Converse's inputTokens excludes cache reads and writes (totalTokens adds them): buckets map one to one. */
export function normalizeConverseUsage(u: ConverseUsageWire): NormalizedUsage {
  return {
    inputTokens: n(u.inputTokens),
    cacheReadTokens: n(u.cacheReadInputTokens),
    cacheWriteTokens: n(u.cacheWriteInputTokens),
    outputTokens: n(u.outputTokens),
    reasoningTokens: 0,
    estimated: false,
  };
}

const STOP_REASONS: Record<string, string> = {
  end_turn: 'stop',
  stop_sequence: 'stop',
  max_tokens: 'length',
  model_context_window_exceeded: 'length',
  tool_use: 'tool_calls',
  guardrail_intervened: 'content_filter',
  content_filtered: 'content_filter',
};

export function finishReasonOf(stopReason: unknown, emulatedJsonOnly: boolean): string | undefined {
  if (typeof stopReason !== 'string') return undefined;
  const finish = STOP_REASONS[stopReason] ?? 'stop';
  // The emulated JSON answer is a tool call on the wire but a normal answer to the client.
  return finish === 'tool_calls' && emulatedJsonOnly ? 'stop' : finish;
}

interface ConverseBlockWire {
  text?: string;
  toolUse?: { toolUseId?: string; name?: string; input?: unknown };
  reasoningContent?: { reasoningText?: { text?: string } };
}

export function parseConverseResponse(body: unknown, provider: string, context: JsonToolContext = {}): ParsedResponse {
  const res = body as { output?: { message?: { content?: ConverseBlockWire[] } }; stopReason?: unknown; usage?: ConverseUsageWire } | null;
  const content = res?.output?.message?.content;
  if (!res || typeof res !== 'object' || !Array.isArray(content)) throw malformed(provider, 'no output message');
  const delta: ChoiceDeltaInit = { index: 0, role: 'assistant' };
  let text = '';
  let reasoning = '';
  const toolCalls: ToolCallInit[] = [];
  for (const block of content) {
    if (typeof block.text === 'string') text += block.text;
    else if (block.reasoningContent?.reasoningText?.text) reasoning += block.reasoningContent.reasoningText.text;
    else if (block.toolUse && block.toolUse.name === context.jsonTool) text += JSON.stringify(block.toolUse.input ?? {});
    else if (block.toolUse) toolCalls.push({ index: toolCalls.length, id: str(block.toolUse.toolUseId), name: str(block.toolUse.name), arguments: JSON.stringify(block.toolUse.input ?? {}) });
  }
  if (text || toolCalls.length === 0) delta.content = text;
  if (reasoning) delta.reasoning = reasoning;
  if (toolCalls.length > 0) delta.toolCalls = toolCalls;
  delta.finishReason = finishReasonOf(res.stopReason, toolCalls.length === 0) ?? 'stop';
  return { chunk: { choices: [delta] }, usage: res.usage ? normalizeConverseUsage(res.usage) : undefined, meta: {} };
}

/** Status of each exception ConverseStream may send inside the stream. */
const EXCEPTION_STATUS: Record<string, number> = {
  throttlingException: 429,
  serviceUnavailableException: 503,
  internalServerException: 500,
  modelStreamErrorException: 424,
  modelTimeoutException: 408,
  validationException: 400,
};

export function streamException(provider: string, type: string, payload: string): ProviderError {
  const status = EXCEPTION_STATUS[type] ?? 502;
  let message: string | undefined;
  try {
    message = str((JSON.parse(payload) as { message?: unknown }).message);
  } catch {
    message = undefined;
  }
  return new ProviderError({
    provider,
    upstreamStatus: status,
    code: status === 429 ? 'upstream_rate_limited' : status === 400 ? 'invalid_request' : 'upstream_error',
    message: status === 400 && message ? message : `Provider ${provider} reported ${type}${message ? `: ${message.slice(0, 500)}` : '.'}`,
    status: status === 429 ? 429 : status === 400 ? 400 : 502,
  });
}

/** Bedrock's error body: {"message": "..."} (the type is in the x-amzn-errortype header). */
export function extractBedrockError(body: unknown, text: string): ErrorDetail {
  const b = body as { message?: unknown; Message?: unknown } | undefined;
  if (b && typeof b === 'object') {
    const message = str(b.message) ?? str(b.Message);
    if (message) return { message };
  }
  return { message: text.trim() ? text.trim().slice(0, 500) : undefined };
}
