import type { ChatCall } from '../contract';

/** Transport only (Cohere v2): endpoint and headers. */
export function cohereChatUrl(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith('/v2') ? `${base}/chat` : `${base}/v2/chat`;
}

export function cohereHeaders(call: ChatCall): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
    'x-client-name': 'gatewayz',
  };
  if (call.credentials.apiKey) headers.authorization = `Bearer ${call.credentials.apiKey}`;
  return headers;
}
