import type { ChatCompletionRequest, ChatMessage, ContentPart } from '@gatewayz/wire';
import { planJsonEmulation, type JsonToolContext } from '../common/json-emulation';
import { THINKING_BUDGET, checkTemperature, outputLimit, parseDataUrl, parseToolArguments, rejectUnsupported, stopSequences, textOf, unsupported } from '../common/params';
import type { ChatCall } from '../contract';

/**
 * OpenAI chat request → Bedrock Converse. Converse has no JSON mode (emulated with a forced
 * tool, as for Anthropic), no n, logprobs or tool_choice "none" while tools are in the history
 * (rejected), and takes images as bytes only (links rejected). seed, penalties, logit_bias,
 * user, store, metadata, service_tier and parallel_tool_calls have no Converse field and are
 * dropped (docs/parameters.md).
 */
export type ConverseBlock =
  | { text: string }
  | { image: { format: string; source: { bytes: string } } }
  | { toolUse: { toolUseId: string; name: string; input: Record<string, unknown> } }
  | { toolResult: { toolUseId: string; content: { text: string }[] } };

export interface ConverseRequest {
  messages: { role: 'user' | 'assistant'; content: ConverseBlock[] }[];
  system?: { text: string }[];
  inferenceConfig?: { maxTokens?: number; temperature?: number; topP?: number; stopSequences?: string[] };
  toolConfig?: {
    tools: { toolSpec: { name: string; description?: string; inputSchema: { json: Record<string, unknown> } } }[];
    toolChoice?: { auto: Record<string, never> } | { any: Record<string, never> } | { tool: { name: string } };
  };
  additionalModelRequestFields?: Record<string, unknown>;
}

const IMAGE_FORMATS: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpeg', 'image/jpg': 'jpeg', 'image/gif': 'gif', 'image/webp': 'webp' };

function userBlocks(content: string | ContentPart[], index: number, provider: string): ConverseBlock[] {
  if (typeof content === 'string') return [{ text: content }];
  return content.map((part, j): ConverseBlock => {
    const param = `messages[${index}].content[${j}]`;
    if (part.type === 'text') return { text: part.text };
    if (part.type === 'image_url') {
      const data = parseDataUrl(part.image_url.url);
      const format = data && IMAGE_FORMATS[data.mediaType];
      if (!data) throw unsupported(provider, param, 'Bedrock takes images as base64 data URLs (data:image/png;base64,...), not links.');
      if (!format) throw unsupported(provider, param, `Bedrock takes png, jpeg, gif or webp images, not ${data.mediaType}.`);
      return { image: { format, source: { bytes: data.data } } };
    }
    throw unsupported(provider, param, `Bedrock models do not take content parts of type '${part.type}' here.`);
  });
}

export function toConverseMessages(messages: ChatMessage[], provider: string): Pick<ConverseRequest, 'messages' | 'system'> {
  const system: { text: string }[] = [];
  const out: ConverseRequest['messages'] = [];
  const push = (role: 'user' | 'assistant', blocks: ConverseBlock[]) => {
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else if (blocks.length > 0) out.push({ role, content: blocks });
  };
  messages.forEach((m, i) => {
    switch (m.role) {
      case 'system':
      case 'developer':
        system.push({ text: textOf(m.content) });
        break;
      case 'user':
        push('user', userBlocks(m.content, i, provider));
        break;
      case 'assistant': {
        const blocks: ConverseBlock[] = [];
        const text = textOf(m.content);
        if (text) blocks.push({ text });
        for (const tc of m.tool_calls ?? []) blocks.push({ toolUse: { toolUseId: tc.id, name: tc.function.name, input: parseToolArguments(tc.function.arguments) } });
        push('assistant', blocks);
        break;
      }
      case 'tool':
        push('user', [{ toolResult: { toolUseId: m.tool_call_id, content: [{ text: textOf(m.content) }] } }]);
        break;
      case 'function':
        if (m.content) push('user', [{ text: m.content }]);
        break;
    }
  });
  return { messages: out, ...(system.length > 0 ? { system } : {}) };
}

const hasToolHistory = (messages: ChatMessage[]) => messages.some((m) => m.role === 'tool' || (m.role === 'assistant' && (m.tool_calls?.length ?? 0) > 0));

function toolConfig(request: ChatCompletionRequest, provider: string): ConverseRequest['toolConfig'] | undefined {
  if (!request.tools || request.tools.length === 0) return undefined;
  const choice = request.tool_choice;
  if (choice === 'none') {
    if (hasToolHistory(request.messages)) {
      throw unsupported(provider, 'tool_choice', "Bedrock cannot turn tools off (tool_choice 'none') in a conversation that already contains tool calls.");
    }
    return undefined;
  }
  const tools = request.tools.map((t) => ({
    toolSpec: {
      name: t.function.name,
      ...(t.function.description ? { description: t.function.description } : {}),
      inputSchema: { json: (t.function.parameters as Record<string, unknown> | undefined) ?? { type: 'object', properties: {} } },
    },
  }));
  if (choice === 'required') return { tools, toolChoice: { any: {} } };
  if (typeof choice === 'object') return { tools, toolChoice: { tool: { name: choice.function.name } } };
  return { tools, toolChoice: { auto: {} } };
}

function applyJsonEmulation(body: ConverseRequest, call: ChatCall): JsonToolContext {
  const json = planJsonEmulation(call.target.provider, call.request, 'Bedrock');
  if (!json) return {};
  const spec = { toolSpec: { name: json.tool.name, description: json.tool.description, inputSchema: { json: json.tool.schema } } };
  body.toolConfig = {
    tools: [...(body.toolConfig?.tools ?? []), spec],
    toolChoice: json.choice === 'force' ? { tool: { name: json.tool.name } } : { any: {} },
  };
  return { jsonTool: json.tool.name };
}

/** reasoning_effort → Claude's extended thinking; other Bedrock models have no such switch. */
function applyReasoning(body: ConverseRequest, call: ChatCall, context: JsonToolContext): void {
  const effort = call.request.reasoning_effort;
  if (!effort) return;
  const provider = call.target.provider;
  if (!call.target.nativeModel.includes('anthropic.')) throw unsupported(provider, 'reasoning_effort', 'reasoning_effort is supported on Bedrock for Anthropic Claude models only.');
  if (context.jsonTool) throw unsupported(provider, 'response_format', 'Claude on Bedrock cannot combine reasoning_effort with response_format (it needs a forced tool call).');
  const choice = body.toolConfig?.toolChoice;
  if (choice && !('auto' in choice)) throw unsupported(provider, 'tool_choice', 'Claude cannot be forced to call a tool while reasoning (reasoning_effort); use tool_choice "auto".');
  const config = (body.inferenceConfig ??= {});
  config.maxTokens ??= call.maxOutputTokens;
  const budget = Math.min(THINKING_BUDGET[effort], config.maxTokens - 1);
  if (budget < 1024) return;
  body.additionalModelRequestFields = { thinking: { type: 'enabled', budget_tokens: budget } };
  // Extended thinking requires the default temperature and top_p.
  delete config.temperature;
  delete config.topP;
}

export function buildConverseBody(call: ChatCall): { body: ConverseRequest; context: JsonToolContext } {
  const r = call.request;
  const provider = call.target.provider;
  rejectUnsupported(provider, r, ['n', 'logprobs', 'top_logprobs'], 'Bedrock');
  checkTemperature(provider, r, 1, 'Bedrock');
  const { messages, system } = toConverseMessages(r.messages, provider);
  if (messages.length === 0) throw unsupported(provider, 'messages', 'At least one user or assistant message is required.');
  const body: ConverseRequest = { messages, ...(system ? { system } : {}) };
  const config: NonNullable<ConverseRequest['inferenceConfig']> = {};
  const limit = outputLimit(r);
  if (limit !== undefined) config.maxTokens = limit;
  if (r.temperature !== undefined && r.temperature !== null) config.temperature = r.temperature;
  if (r.top_p !== undefined && r.top_p !== null) config.topP = r.top_p;
  const stop = stopSequences(r);
  if (stop) config.stopSequences = stop;
  if (Object.keys(config).length > 0) body.inferenceConfig = config;
  const tools = toolConfig(r, provider);
  if (tools) body.toolConfig = tools;
  const context = applyJsonEmulation(body, call);
  applyReasoning(body, call, context);
  return { body, context };
}
