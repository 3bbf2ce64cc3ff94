import type { ChatCompletionRequest, ChatMessage, ContentPart } from '@gatewayz/wire';
import { THINKING_BUDGET, outputLimit, rejectUnsupported, stopSequences, textOf, unsupported } from '../common/params';
import type { ChatCall } from '../contract';

/**
 * OpenAI chat request → Cohere v2 /chat. Cohere's tool and image shapes are OpenAI's; the
 * differences are names (top_p → p, stop → stop_sequences), ranges (p 0.01–0.99, penalties
 * 0–1), tool_choice (only REQUIRED / NONE: a named tool becomes REQUIRED with only that tool),
 * JSON schema (response_format.json_schema inside json_object), and no n, top_logprobs or
 * logit_bias. Dropped without effect on meaning: logit_bias, user, store, metadata,
 * service_tier, parallel_tool_calls.
 */
type CohereContent = string | ({ type: 'text'; text: string } | { type: 'image_url'; image_url: { url: string; detail?: string } })[];

export interface CohereMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content?: CohereContent;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_plan?: string;
  tool_call_id?: string;
}

export interface CohereChatRequest {
  model: string;
  messages: CohereMessage[];
  stream?: boolean;
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: Record<string, unknown> } }[];
  tool_choice?: 'REQUIRED' | 'NONE';
  strict_tools?: boolean;
  response_format?: { type: 'json_object'; json_schema?: Record<string, unknown> };
  max_tokens?: number;
  stop_sequences?: string[];
  temperature?: number;
  seed?: number;
  frequency_penalty?: number;
  presence_penalty?: number;
  p?: number;
  logprobs?: boolean;
  thinking?: { type: 'enabled'; token_budget: number };
}

function userContent(content: string | ContentPart[], index: number, provider: string): CohereContent {
  if (typeof content === 'string') return content;
  return content.map((part, j) => {
    if (part.type === 'text') return { type: 'text' as const, text: part.text };
    if (part.type === 'image_url') return { type: 'image_url' as const, image_url: { url: part.image_url.url, ...(part.image_url.detail ? { detail: part.image_url.detail } : {}) } };
    throw unsupported(provider, `messages[${index}].content[${j}]`, `Cohere models do not take content parts of type '${part.type}'.`);
  });
}

export function toCohereMessages(messages: ChatMessage[], provider: string): CohereMessage[] {
  return messages.map((m, i): CohereMessage => {
    switch (m.role) {
      case 'system':
      case 'developer':
        return { role: 'system', content: textOf(m.content) };
      case 'user':
        return { role: 'user', content: userContent(m.content, i, provider) };
      case 'assistant': {
        const out: CohereMessage = { role: 'assistant' };
        const text = textOf(m.content);
        if (text) out.content = text;
        if (m.tool_calls && m.tool_calls.length > 0) {
          out.tool_calls = m.tool_calls.map((tc) => ({ id: tc.id, type: 'function', function: { name: tc.function.name, arguments: tc.function.arguments || '{}' } }));
          // Cohere's chain of thought before tool calls.
          if (m.reasoning_content) out.tool_plan = m.reasoning_content;
        }
        return out;
      }
      case 'tool':
        return { role: 'tool', tool_call_id: m.tool_call_id, content: textOf(m.content) };
      case 'function':
        return { role: 'user', content: m.content ?? '' };
    }
  });
}

function checkRange(provider: string, request: ChatCompletionRequest, param: 'presence_penalty' | 'frequency_penalty'): number | undefined {
  const v = request[param];
  if (v === undefined || v === null) return undefined;
  if (v < 0 || v > 1) throw unsupported(provider, param, `Cohere models accept ${param} from 0 to 1.`);
  return v;
}

function tools(body: CohereChatRequest, request: ChatCompletionRequest): void {
  if (!request.tools || request.tools.length === 0) return;
  const choice = request.tool_choice;
  const named = typeof choice === 'object' ? choice.function.name : undefined;
  const selected = named ? request.tools.filter((t) => t.function.name === named) : request.tools;
  body.tools = selected.map((t) => ({
    type: 'function',
    function: { name: t.function.name, ...(t.function.description ? { description: t.function.description } : {}), parameters: t.function.parameters ?? { type: 'object', properties: {} } },
  }));
  if (choice === 'required' || named) body.tool_choice = 'REQUIRED';
  else if (choice === 'none') body.tool_choice = 'NONE';
  if (request.tools.some((t) => t.function.strict === true)) body.strict_tools = true;
}

export function buildCohereBody(call: ChatCall): CohereChatRequest {
  const r = call.request;
  const provider = call.target.provider;
  rejectUnsupported(provider, r, ['n', 'top_logprobs'], 'Cohere');
  const body: CohereChatRequest = { model: call.target.nativeModel, messages: toCohereMessages(r.messages, provider) };
  tools(body, r);
  const limit = outputLimit(r);
  if (limit !== undefined) body.max_tokens = limit;
  const stop = stopSequences(r);
  if (stop) body.stop_sequences = stop;
  if (r.temperature !== undefined && r.temperature !== null) body.temperature = r.temperature;
  // Cohere's p is 0.01–0.99: top_p 1 (no nucleus cut) is the nearest it has.
  if (r.top_p !== undefined && r.top_p !== null) body.p = Math.min(0.99, Math.max(0.01, r.top_p));
  if (r.seed !== undefined && r.seed !== null) body.seed = r.seed;
  const fp = checkRange(provider, r, 'frequency_penalty');
  if (fp !== undefined) body.frequency_penalty = fp;
  const pp = checkRange(provider, r, 'presence_penalty');
  if (pp !== undefined) body.presence_penalty = pp;
  if (r.logprobs) body.logprobs = true;
  if (r.response_format?.type === 'json_object') body.response_format = { type: 'json_object' };
  if (r.response_format?.type === 'json_schema') body.response_format = { type: 'json_object', ...(r.response_format.json_schema.schema ? { json_schema: r.response_format.json_schema.schema } : {}) };
  if (r.reasoning_effort) body.thinking = { type: 'enabled', token_budget: THINKING_BUDGET[r.reasoning_effort] };
  if (call.stream) body.stream = true;
  return body;
}
