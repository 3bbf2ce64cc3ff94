import type { ChatCall } from '../contract';
import { chatEndpoint, chatHeaders } from './api';
import { specFor } from './providers';

/** Gateway-level parameters that never go upstream. */
const GATEWAY_ONLY = ['provider', 'models', 'route', 'transforms'] as const;

export function buildChatRequest(call: ChatCall): { url: string; headers: Record<string, string>; body: Record<string, unknown> } {
  const spec = specFor(call.target.provider);
  const body: Record<string, unknown> = { ...call.request, model: call.target.nativeModel };
  for (const key of GATEWAY_ONLY) delete body[key];
  for (const key of spec.exclude ?? []) delete body[key];
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
  return { url: chatEndpoint(call.credentials.baseUrl), headers: chatHeaders(call, spec), body };
}
