import type { ChatCall } from '../contract';
import type { OpenAICompatibleSpec } from './providers';

/** Transport only: endpoint and headers. */
export function chatEndpoint(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/chat/completions`;
}

export function chatHeaders(call: ChatCall, spec: OpenAICompatibleSpec): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
    'x-request-id': call.requestId,
    ...spec.headers,
  };
  if (call.credentials.apiKey) headers.authorization = `Bearer ${call.credentials.apiKey}`;
  return headers;
}
