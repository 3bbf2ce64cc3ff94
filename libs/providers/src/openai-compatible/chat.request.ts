import type { ChatCompletionRequest } from '@gatewayz/wire';
import { checkTemperature, rejectUnsupported, unsupported } from '../common/params';
import type { ChatCall } from '../contract';
import type { BuiltRequest } from '../http-chat';
import { chatHeaders, endpointFor } from './api';
import { specFor, type OpenAICompatibleSpec, type ToolChoiceKind } from './providers';

/** Gateway-level parameters that never go upstream. */
const GATEWAY_ONLY = ['provider', 'models', 'route', 'transforms'] as const;

function toolChoiceKind(choice: ChatCompletionRequest['tool_choice']): ToolChoiceKind | undefined {
  if (choice === undefined) return undefined;
  return typeof choice === 'object' ? 'named' : choice;
}

/** tool_choice the provider cannot honour: "none" means no tools (removed); anything else is a 400. */
function applyToolChoice(body: Record<string, unknown>, call: ChatCall, spec: OpenAICompatibleSpec): void {
  const kind = toolChoiceKind(call.request.tool_choice);
  if (!kind || !spec.toolChoice || spec.toolChoice.includes(kind)) return;
  if (kind === 'none') {
    delete body.tools;
    delete body.tool_choice;
    delete body.parallel_tool_calls;
    return;
  }
  const name = spec.name ?? call.target.provider;
  throw unsupported(call.target.provider, 'tool_choice', `${name} does not support tool_choice ${kind === 'named' ? 'naming a function' : `'${kind}'`}; it supports ${spec.toolChoice.map((k) => `'${k}'`).join(', ')}.`);
}

function applyReasoning(body: Record<string, unknown>, request: ChatCompletionRequest, spec: OpenAICompatibleSpec): void {
  const effort = request.reasoning_effort;
  if (effort === undefined || effort === null || spec.reasoning === undefined) return;
  delete body.reasoning_effort;
  if (spec.reasoning) Object.assign(body, spec.reasoning(effort));
}

export function buildChatRequest(call: ChatCall): BuiltRequest<undefined> & { body: Record<string, unknown> } {
  const provider = call.target.provider;
  const spec = specFor(provider);
  const name = spec.name ?? provider;
  rejectUnsupported(provider, call.request, spec.reject ?? [], name);
  if (spec.temperatureMax !== undefined) checkTemperature(provider, call.request, spec.temperatureMax, name);

  const model = spec.modelId ? spec.modelId(call.target.nativeModel) : call.target.nativeModel;
  const body: Record<string, unknown> = { ...call.request, model };
  for (const key of GATEWAY_ONLY) delete body[key];
  applyToolChoice(body, call, spec);
  applyReasoning(body, call.request, spec);
  for (const key of spec.exclude ?? []) delete body[key];
  for (const [from, to] of Object.entries(spec.rename ?? {})) {
    if (from in body) {
      body[to] = body[from];
      delete body[from];
    }
  }
  for (const key of Object.keys(body)) if (body[key] === null || body[key] === undefined) delete body[key];

  const limit = body.max_completion_tokens ?? body.max_tokens;
  delete body.max_tokens;
  delete body.max_completion_tokens;
  if (limit !== undefined) body[spec.maxTokensParam] = limit;

  if (call.stream) {
    body.stream = true;
    // Always ask for usage: billing needs it whether or not the client does.
    if (spec.streamUsage) body.stream_options = { include_usage: true };
    else delete body.stream_options;
  } else {
    delete body.stream;
    delete body.stream_options;
  }
  return { url: endpointFor(call, spec, model), headers: chatHeaders(call, spec), body };
}
