import { ProviderError } from '@gatewayz/errors';
import type { ChatCompletionRequest, ChatMessage } from '@gatewayz/wire';

/**
 * Helpers every translator shares: the 400 for a parameter a provider cannot honour, and the
 * questions translators ask of a canonical request ("is this parameter in effect?").
 */
export function unsupported(provider: string, param: string, message: string): ProviderError {
  return new ProviderError({ provider, upstreamStatus: 0, code: 'unsupported_parameter', message, status: 400, param });
}

/**
 * Parameters that change what the client gets back, as predicates "is it in effect?". A value
 * equal to the default (n: 1, logprobs: false, response_format text...) is not.
 */
export const IN_EFFECT = {
  n: (r: ChatCompletionRequest) => r.n !== undefined && r.n !== null && r.n > 1,
  logprobs: (r: ChatCompletionRequest) => r.logprobs === true,
  top_logprobs: (r: ChatCompletionRequest) => r.top_logprobs !== undefined && r.top_logprobs !== null && r.top_logprobs > 0,
  tools: (r: ChatCompletionRequest) => (r.tools?.length ?? 0) > 0,
  json_object: (r: ChatCompletionRequest) => r.response_format?.type === 'json_object',
  json_schema: (r: ChatCompletionRequest) => r.response_format?.type === 'json_schema',
  reasoning_effort: (r: ChatCompletionRequest) => r.reasoning_effort !== undefined && r.reasoning_effort !== null,
  seed: (r: ChatCompletionRequest) => r.seed !== undefined && r.seed !== null,
} as const;

export type InEffectParam = keyof typeof IN_EFFECT;

/** The public name of each predicate (the `param` of the 400). */
export const PARAM_NAME: Record<InEffectParam, string> = {
  n: 'n',
  logprobs: 'logprobs',
  top_logprobs: 'top_logprobs',
  tools: 'tools',
  json_object: 'response_format',
  json_schema: 'response_format',
  reasoning_effort: 'reasoning_effort',
  seed: 'seed',
};

const WHAT: Record<InEffectParam, string> = {
  n: 'n > 1 (several choices)',
  logprobs: 'logprobs',
  top_logprobs: 'top_logprobs',
  tools: 'tools (function calling)',
  json_object: "response_format 'json_object'",
  json_schema: "response_format 'json_schema'",
  reasoning_effort: 'reasoning_effort',
  seed: 'seed',
};

/** Throws the 400 for the first listed parameter in effect that the provider cannot honour. */
export function rejectUnsupported(provider: string, request: ChatCompletionRequest, params: readonly InEffectParam[], providerName = provider): void {
  for (const p of params) {
    if (IN_EFFECT[p](request)) throw unsupported(provider, PARAM_NAME[p], `${providerName} does not support ${WHAT[p]}.`);
  }
}

export function outputLimit(request: ChatCompletionRequest): number | undefined {
  return request.max_completion_tokens ?? request.max_tokens ?? undefined;
}

export function stopSequences(request: ChatCompletionRequest): string[] | undefined {
  if (request.stop === undefined || request.stop === null) return undefined;
  return typeof request.stop === 'string' ? [request.stop] : request.stop;
}

/** Rejects temperatures above a provider's maximum (the edge already checked 0–2). */
export function checkTemperature(provider: string, request: ChatCompletionRequest, max: number, providerName = provider): void {
  if (request.temperature !== undefined && request.temperature !== null && request.temperature > max) {
    throw unsupported(provider, 'temperature', `${providerName} accepts temperature from 0 to ${max}.`);
  }
}

export function textOf(content: string | { type: string; text?: string }[] | null | undefined): string {
  if (content === null || content === undefined) return '';
  if (typeof content === 'string') return content;
  return content.map((p) => p.text ?? '').join('\n');
}

export interface DataUrl {
  mediaType: string;
  data: string;
}

/** `data:<media type>;base64,<data>` → its parts; undefined for anything else. */
export function parseDataUrl(url: string): DataUrl | undefined {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  return m ? { mediaType: m[1]!.toLowerCase(), data: m[2]! } : undefined;
}

/** Tool-call arguments as an object (never a string, never a throw). */
export function parseToolArguments(args: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(args || '{}');
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    return { value: v };
  } catch {
    return {};
  }
}

/** tool_call_id → function name, from the assistant turns of a conversation (for APIs that key results by name). */
export function toolNamesById(messages: ChatMessage[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const m of messages) {
    if (m.role === 'assistant') for (const tc of m.tool_calls ?? []) names.set(tc.id, tc.function.name);
  }
  return names;
}

/** Thinking budget (tokens) per reasoning_effort, for APIs that take a budget rather than an effort. */
export const THINKING_BUDGET = { minimal: 1024, low: 2048, medium: 8192, high: 24576 } as const;

export const nonNegative = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0);

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
