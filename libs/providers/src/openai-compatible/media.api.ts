import type { ProviderCredentials } from '../contract';
import { specFor } from './providers';

/** Transport only: media endpoints and headers of the OpenAI-compatible family. */
export const MEDIA_PATHS = {
  embeddings: '/embeddings',
  images: '/images/generations',
  transcriptions: '/audio/transcriptions',
  speech: '/audio/speech',
} as const;

export function mediaEndpoint(baseUrl: string, path: (typeof MEDIA_PATHS)[keyof typeof MEDIA_PATHS]): string {
  return `${baseUrl.replace(/\/+$/, '')}${path}`;
}

export function mediaHeaders(a: { provider: string; credentials: ProviderCredentials; requestId: string; contentType: string; accept: string }): Record<string, string> {
  const headers: Record<string, string> = {
    'content-type': a.contentType,
    accept: a.accept,
    'x-request-id': a.requestId,
    ...specFor(a.provider).headers,
  };
  if (a.credentials.apiKey) headers.authorization = `Bearer ${a.credentials.apiKey}`;
  return headers;
}

/** A JSON body for upstream: the canonical request with the native model id, nulls dropped. */
export function upstreamJson(request: object, nativeModel: string, drop: readonly string[] = []): Record<string, unknown> {
  const body: Record<string, unknown> = { ...request, model: nativeModel };
  for (const key of drop) delete body[key];
  for (const key of Object.keys(body)) if (body[key] === null || body[key] === undefined) delete body[key];
  return body;
}
