import type {
  AnthropicContentBlockParam,
  AnthropicCountTokensRequestBody,
  AnthropicMessageInput,
  AnthropicMessagesRequestBody,
  ChatCompletionRequest,
  ChatMessage,
  ContentPart,
} from '@gatewayz/wire';

/**
 * An Anthropic Messages request → the canonical (OpenAI chat) request every provider adapter
 * takes. Pure; the mapping table is in docs/api.md:
 *  - system → one system message (text blocks kept as parts);
 *  - user text/image blocks → content parts (base64 images as data: URLs);
 *  - tool_result blocks → `tool` messages (placed first: OpenAI wants them right after the
 *    assistant turn that called the tools); images inside a tool result follow as user parts;
 *  - assistant text → content, tool_use → tool_calls, thinking → reasoning_content
 *    (redacted_thinking is opaque to other providers and dropped);
 *  - tools, tool_choice (any → required, tool → named, disable_parallel_tool_use →
 *    parallel_tool_calls: false), stop_sequences → stop, metadata.user_id → user,
 *    thinking.budget_tokens → reasoning_effort (the nearest effort; Anthropic upstreams map it back
 *    to a budget), output_config.effort → reasoning_effort, adaptive thinking → "medium",
 *    output_config.format → response_format json_schema (strict), top_k passed as is
 *    (providers without it reject it with a 400);
 *  - documents: plain text → a text part, base64 PDF → a file part.
 */
export type AnthropicInput = AnthropicMessagesRequestBody | AnthropicCountTokensRequestBody;

type ToolMessage = Extract<ChatMessage, { role: 'tool' }>;
type AssistantMessage = Extract<ChatMessage, { role: 'assistant' }>;

function imagePart(block: Extract<AnthropicContentBlockParam, { type: 'image' }>): ContentPart {
  const url = block.source.type === 'base64' ? `data:${block.source.media_type};base64,${block.source.data}` : block.source.url;
  return { type: 'image_url', image_url: { url } };
}

function toolResultText(block: Extract<AnthropicContentBlockParam, { type: 'tool_result' }>): { text: string; images: ContentPart[] } {
  const content = block.content ?? '';
  const parts = typeof content === 'string' ? [{ type: 'text' as const, text: content }] : content;
  const text = parts.flatMap((p) => (p.type === 'text' ? [p.text] : [])).join('\n');
  const images = parts.flatMap((p) => (p.type === 'image' ? [imagePart(p)] : []));
  // OpenAI's tool messages have no error flag: say it in the text, so no provider misses it.
  return { text: block.is_error ? `Error: ${text}` : text, images };
}

function documentPart(block: Extract<AnthropicContentBlockParam, { type: 'document' }>): ContentPart {
  if (block.source.type === 'text') return { type: 'text', text: block.title ? `${block.title}\n\n${block.source.data}` : block.source.data };
  return { type: 'file', file: { file_data: `data:application/pdf;base64,${block.source.data}`, filename: block.title ? `${block.title}.pdf` : 'document.pdf' } };
}

function userMessages(content: AnthropicMessageInput['content']): ChatMessage[] {
  if (typeof content === 'string') return [{ role: 'user', content }];
  const tools: ToolMessage[] = [];
  const parts: ContentPart[] = [];
  for (const block of content) {
    if (block.type === 'text') parts.push({ type: 'text', text: block.text });
    else if (block.type === 'image') parts.push(imagePart(block));
    else if (block.type === 'document') parts.push(documentPart(block));
    else if (block.type === 'tool_result') {
      const { text, images } = toolResultText(block);
      tools.push({ role: 'tool', tool_call_id: block.tool_use_id, content: text });
      parts.push(...images);
    }
  }
  const out: ChatMessage[] = [...tools];
  if (parts.length > 0) out.push({ role: 'user', content: parts.length === 1 && parts[0]!.type === 'text' ? parts[0].text : parts });
  return out;
}

function assistantMessage(content: AnthropicMessageInput['content']): AssistantMessage {
  if (typeof content === 'string') return { role: 'assistant', content };
  const text: string[] = [];
  const thinking: string[] = [];
  const calls: NonNullable<AssistantMessage['tool_calls']> = [];
  for (const block of content) {
    if (block.type === 'text') text.push(block.text);
    else if (block.type === 'thinking') thinking.push(block.thinking);
    else if (block.type === 'tool_use') calls.push({ id: block.id, type: 'function', function: { name: block.name, arguments: JSON.stringify(block.input) } });
  }
  const message: AssistantMessage = { role: 'assistant', content: text.length > 0 ? text.join('') : null };
  if (calls.length > 0) message.tool_calls = calls;
  if (thinking.length > 0) message.reasoning_content = thinking.join('');
  return message;
}

function systemMessage(system: AnthropicInput['system']): ChatMessage[] {
  if (system === undefined) return [];
  if (typeof system === 'string') return system ? [{ role: 'system', content: system }] : [];
  const parts = system.filter((b) => b.text).map((b) => ({ type: 'text' as const, text: b.text }));
  return parts.length > 0 ? [{ role: 'system', content: parts }] : [];
}

/** output_config.effort → reasoning_effort (OpenAI's scale ends at high). */
const EFFORT: Record<string, NonNullable<ChatCompletionRequest['reasoning_effort']>> = { low: 'low', medium: 'medium', high: 'high', xhigh: 'high', max: 'high' };

/** thinking.budget_tokens → the nearest reasoning_effort (the inverse of the Anthropic adapter's table). */
export function effortForBudget(budget: number): ChatCompletionRequest['reasoning_effort'] {
  if (budget < 2048) return 'minimal';
  if (budget < 8192) return 'low';
  if (budget < 24576) return 'medium';
  return 'high';
}

function toolChoice(choice: NonNullable<AnthropicInput['tool_choice']>): Pick<ChatCompletionRequest, 'tool_choice' | 'parallel_tool_calls'> {
  const parallel = 'disable_parallel_tool_use' in choice && choice.disable_parallel_tool_use ? { parallel_tool_calls: false } : {};
  switch (choice.type) {
    case 'auto':
      return { tool_choice: 'auto', ...parallel };
    case 'any':
      return { tool_choice: 'required', ...parallel };
    case 'none':
      return { tool_choice: 'none' };
    case 'tool':
      return { tool_choice: { type: 'function', function: { name: choice.name } }, ...parallel };
  }
}

export function toCanonicalMessages(input: Pick<AnthropicInput, 'system' | 'messages'>): ChatMessage[] {
  const messages: ChatMessage[] = systemMessage(input.system);
  for (const m of input.messages) {
    if (m.role === 'user') messages.push(...userMessages(m.content));
    else messages.push(assistantMessage(m.content));
  }
  return messages;
}

/** The shared part of a messages and a count_tokens request. */
function canonicalBase(input: AnthropicInput): ChatCompletionRequest {
  const request: ChatCompletionRequest = { model: input.model, messages: toCanonicalMessages(input) };
  if (input.tools && input.tools.length > 0) {
    request.tools = input.tools.map((t) => ({
      type: 'function' as const,
      function: { name: t.name, ...(t.description ? { description: t.description } : {}), parameters: t.input_schema },
    }));
  }
  if (input.tool_choice) Object.assign(request, toolChoice(input.tool_choice));
  const effort = input.output_config?.effort;
  if (input.thinking?.type === 'enabled') request.reasoning_effort = effortForBudget(input.thinking.budget_tokens);
  else if (effort) request.reasoning_effort = EFFORT[effort];
  else if (input.thinking?.type === 'adaptive' || input.thinking?.type === 'between_tools') request.reasoning_effort = 'medium';
  const format = input.output_config?.format;
  if (format) request.response_format = { type: 'json_schema', json_schema: { name: 'output', schema: format.schema, strict: true } };
  return request;
}

export function toCanonicalRequest(input: AnthropicMessagesRequestBody): ChatCompletionRequest {
  const request = canonicalBase(input);
  request.max_tokens = input.max_tokens;
  if (input.stop_sequences && input.stop_sequences.length > 0) request.stop = input.stop_sequences;
  if (input.temperature !== undefined) request.temperature = input.temperature;
  if (input.top_p !== undefined) request.top_p = input.top_p;
  if (input.top_k !== undefined) request.top_k = input.top_k;
  if (input.metadata?.user_id) request.user = input.metadata.user_id;
  if (input.stream) request.stream = true;
  return request;
}

export function toCanonicalCountRequest(input: AnthropicCountTokensRequestBody): ChatCompletionRequest {
  return canonicalBase(input);
}
