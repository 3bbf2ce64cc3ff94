import type { ChatCall } from '../contract';

export const ANTHROPIC_VERSION = '2023-06-01';

/** Transport only: endpoint and headers. */
export function messagesEndpoint(baseUrl: string): string {
  const base = baseUrl.replace(/\/+$/, '');
  return base.endsWith('/v1') ? `${base}/messages` : `${base}/v1/messages`;
}

export function messagesHeaders(call: ChatCall): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
    'anthropic-version': ANTHROPIC_VERSION,
  };
  if (call.credentials.apiKey) headers['x-api-key'] = call.credentials.apiKey;
  return headers;
}
