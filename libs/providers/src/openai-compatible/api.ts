import type { ChatCall } from '../contract';
import type { OpenAICompatibleSpec } from './providers';

/** Transport only: endpoint and headers. */
export function chatEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

export function endpointFor(call: ChatCall, spec: OpenAICompatibleSpec, model: string): string {
  if (!spec.endpoint) return chatEndpoint(call.credentials.baseUrl);
  return spec.endpoint({ baseUrl: call.credentials.baseUrl, model, settings: call.credentials.settings ?? {} });
}

export function chatHeaders(call: ChatCall, spec: OpenAICompatibleSpec): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
    'x-request-id': call.requestId,
    ...spec.headers,
  };
  const key = call.credentials.apiKey;
  if (key) Object.assign(headers, spec.authHeader ? spec.authHeader(key) : { authorization: `Bearer ${key}` });
  return headers;
}
