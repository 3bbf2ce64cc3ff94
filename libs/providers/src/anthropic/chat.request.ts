import { ProviderError } from '@gatewayz/errors';
import type {
  AnthropicContentBlock,
  AnthropicMessageParam,
  AnthropicMessagesRequest,
  AnthropicToolChoice,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
} from '@gatewayz/wire';
import { planJsonEmulation, type JsonToolContext } from '../common/json-emulation';
import { THINKING_BUDGET, unsupported } from '../common/params';
import type { ChatCall } from '../contract';
import type { BuiltRequest } from '../http-chat';
import { messagesEndpoint, messagesHeaders } from './api';

/** Parameters Anthropic has no equivalent for and that do not change the output's meaning. */
export const ANTHROPIC_DROPPED = ['seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'store', 'service_tier', 'metadata'] as const;

function reject(provider: string, param: string, message: string): ProviderError {
  return unsupported(provider, param, message);
}

function textOf(content: string | { type: 'text'; text: string }[]): string {
  return typeof content === 'string' ? content : content.map((p) => p.text).join('\n');
}

function imageBlock(url: string): AnthropicContentBlock {
  const m = /^data:([^;,]+);base64,(.*)$/s.exec(url);
  if (m) return { type: 'image', source: { type: 'base64', media_type: m[1]!, data: m[2]! } };
  return { type: 'image', source: { type: 'url', url } };
}

function userBlocks(content: string | ContentPart[], provider: string): AnthropicContentBlock[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  return content.map((part, i): AnthropicContentBlock => {
    if (part.type === 'text') return { type: 'text', text: part.text };
    if (part.type === 'image_url') return imageBlock(part.image_url.url);
    throw reject(provider, `messages.content[${i}]`, `Content parts of type '${part.type}' are not supported by Anthropic models.`);
  });
}

function parseArguments(args: string): unknown {
  try {
    const v = JSON.parse(args || '{}');
    return v && typeof v === 'object' ? v : { value: v };
  } catch {
    return {};
  }
}

/** OpenAI messages → Anthropic system + alternating user/assistant turns. */
export function toAnthropicMessages(messages: ChatMessage[], provider: string): { system: string | undefined; messages: AnthropicMessageParam[] } {
  const system: string[] = [];
  const out: AnthropicMessageParam[] = [];
  const push = (role: 'user' | 'assistant', blocks: AnthropicContentBlock[]) => {
    const last = out[out.length - 1];
    if (last && last.role === role && Array.isArray(last.content)) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of messages) {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push(textOf(m.content));
        break;
      case 'user':
        push('user', userBlocks(m.content, provider));
        break;
      case 'assistant': {
        const blocks: AnthropicContentBlock[] = [];
        if (typeof m.content === 'string' && m.content) blocks.push({ type: 'text', text: m.content });
        if (Array.isArray(m.content)) {
          for (const p of m.content) if (p.type === 'text' && p.text) blocks.push({ type: 'text', text: p.text });
        }
        for (const tc of m.tool_calls ?? []) {
          blocks.push({ type: 'tool_use', id: tc.id, name: tc.function.name, input: parseArguments(tc.function.arguments) });
        }
        if (blocks.length > 0) push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [{ type: 'tool_result', tool_use_id: m.tool_call_id, content: textOf(m.content) }]);
        break;
      case 'function':
        if (m.content) push('user', [{ type: 'text', text: m.content }]);
        break;
    }
  }
  return { system: system.length > 0 ? system.join('\n\n') : undefined, messages: out };
}

function toolChoice(choice: ChatCompletionRequest['tool_choice'], parallel: boolean | undefined): AnthropicToolChoice | undefined {
  const disable = parallel === false ? { disable_parallel_tool_use: true } : {};
  if (choice === undefined) return parallel === false ? { type: 'auto', ...disable } : undefined;
  if (choice === 'auto') return { type: 'auto', ...disable };
  if (choice === 'required') return { type: 'any', ...disable };
  if (choice === 'none') return { type: 'none' };
  return { type: 'tool', name: choice.function.name, ...disable };
}

/**
 * response_format through a forced tool (common/json-emulation.ts): the tool is added, the
 * model made to call it, and the response side turns its input back into content.
 */
function applyJsonEmulation(body: AnthropicMessagesRequest, call: ChatCall): JsonToolContext {
  const r = call.request;
  const json = planJsonEmulation(call.target.provider, r, 'Anthropic models');
  if (!json) return {};
  if (r.reasoning_effort) {
    throw reject(call.target.provider, 'response_format', 'Anthropic models cannot combine reasoning_effort with response_format: JSON output needs a forced tool call, which extended thinking does not allow.');
  }
  body.tools = [...(body.tools ?? []), { name: json.tool.name, description: json.tool.description, input_schema: json.tool.schema }];
  const disable = r.parallel_tool_calls === false ? { disable_parallel_tool_use: true } : {};
  body.tool_choice = json.choice === 'force' ? { type: 'tool', name: json.tool.name } : { type: 'any', ...disable };
  return { jsonTool: json.tool.name };
}

export function buildMessagesRequest(call: ChatCall): BuiltRequest<JsonToolContext> & { body: AnthropicMessagesRequest } {
  const r = call.request;
  const provider = call.target.provider;
  if (r.n !== undefined && r.n !== null && r.n > 1) throw reject(provider, 'n', 'Anthropic models return one choice; n must be 1.');
  if (r.logprobs) throw reject(provider, 'logprobs', 'Anthropic models do not return logprobs.');
  if (r.temperature !== undefined && r.temperature !== null && r.temperature > 1) {
    throw reject(provider, 'temperature', 'Anthropic models accept temperature from 0 to 1.');
  }
  const { system, messages } = toAnthropicMessages(r.messages, provider);
  if (messages.length === 0) throw reject(provider, 'messages', 'At least one user or assistant message is required.');
  const body: AnthropicMessagesRequest = {
    model: call.target.nativeModel,
    max_tokens: r.max_completion_tokens ?? r.max_tokens ?? call.maxOutputTokens,
    messages,
  };
  if (system !== undefined) body.system = system;
  if (r.temperature !== undefined && r.temperature !== null) body.temperature = r.temperature;
  if (r.top_p !== undefined && r.top_p !== null) body.top_p = r.top_p;
  // top_k is Anthropic's own sampling parameter (it arrives from /v1/messages clients).
  if (typeof r.top_k === 'number') body.top_k = r.top_k;
  if (r.stop !== undefined && r.stop !== null) body.stop_sequences = typeof r.stop === 'string' ? [r.stop] : r.stop;
  if (r.user) body.metadata = { user_id: r.user };
  // Tools are sent even with tool_choice "none": Anthropic needs them to read tool_use history.
  if (r.tools && r.tools.length > 0) {
    body.tools = r.tools.map((t) => ({
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      input_schema: (t.function.parameters as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} },
    }));
    const choice = toolChoice(r.tool_choice, r.parallel_tool_calls);
    if (choice) body.tool_choice = choice;
  }
  const context = applyJsonEmulation(body, call);
  if (r.reasoning_effort) {
    const budget = Math.min(THINKING_BUDGET[r.reasoning_effort], body.max_tokens - 1);
    if (budget >= 1024) {
      if (body.tool_choice && (body.tool_choice.type === 'any' || body.tool_choice.type === 'tool')) {
        throw reject(provider, 'tool_choice', 'Anthropic models cannot be forced to call a tool while reasoning (reasoning_effort); use tool_choice "auto".');
      }
      body.thinking = { type: 'enabled', budget_tokens: budget };
      // Extended thinking requires the default temperature, top_p and top_k.
      delete body.temperature;
      delete body.top_p;
      delete body.top_k;
    }
  }
  if (call.stream) body.stream = true;
  return { url: messagesEndpoint(call.credentials.baseUrl), headers: messagesHeaders(call), body, context };
}
