import type { ChatCall } from '../contract';

/** Transport only (Google AI Studio): endpoint and headers. */
export function generateContentUrl(baseUrl: string, model: string, stream: boolean): string {
  let base = baseUrl.replace(/\/+$/, '');
  if (!/\/v1(beta|alpha)?$/.test(base)) base = `${base}/v1beta`;
  const resource = /^(models|tunedModels)\//.test(model) ? model : `models/${model}`;
  return stream ? `${base}/${resource}:streamGenerateContent?alt=sse` : `${base}/${resource}:generateContent`;
}

export function geminiHeaders(call: ChatCall): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: call.stream ? 'text/event-stream' : 'application/json',
  };
  if (call.credentials.apiKey) headers['x-goog-api-key'] = call.credentials.apiKey;
  return headers;
}
