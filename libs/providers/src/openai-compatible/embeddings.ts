import type { EmbeddingsRequest } from '@gatewayz/wire';
import type { EmbedResult, MediaCall } from '../media/contract';
import { MEDIA_PATHS, mediaEndpoint, mediaHeaders, upstreamJson } from './media.api';

/**
 * POST /embeddings. The vectors come back as base64 (little-endian float32, what OpenAI's own
 * SDKs ask for: a quarter of the bytes) when the client wants base64, else as JSON numbers, so
 * either way the client gets exactly the upstream's values.
 */
export function buildEmbeddingsRequest(call: MediaCall<EmbeddingsRequest>): { url: string; headers: Record<string, string>; body: Record<string, unknown> } {
  const body = upstreamJson(call.request, call.target.nativeModel);
  body.encoding_format = call.request.encoding_format ?? 'float';
  return {
    url: mediaEndpoint(call.credentials.baseUrl, MEDIA_PATHS.embeddings),
    headers: mediaHeaders({ provider: call.target.provider, credentials: call.credentials, requestId: call.requestId, contentType: 'application/json', accept: 'application/json' }),
    body,
  };
}

/** Little-endian float32 vector (OpenAI's base64 encoding) → numbers. */
export function decodeFloat32Base64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length % 4 !== 0) throw new Error('base64 embedding is not a whole number of float32 values');
  const out = new Array<number>(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** 1 token per 4 characters (token ids count as given): the estimate when a provider reports no usage. */
export function estimateEmbeddingTokens(input: EmbeddingsRequest['input']): number {
  const items: unknown[] = Array.isArray(input) ? input : [input];
  let tokens = 0;
  for (const item of items) {
    if (typeof item === 'string') tokens += Math.ceil(item.length / 4);
    else if (Array.isArray(item)) tokens += item.length;
    else tokens += 1;
  }
  return Math.max(1, tokens);
}

interface EmbeddingsBody {
  data: { index?: number; embedding: number[] | string }[];
  usage?: { prompt_tokens?: number; total_tokens?: number };
}

export function parseEmbeddingsResponse(json: unknown, request: EmbeddingsRequest): EmbedResult {
  const body = json as EmbeddingsBody;
  if (!Array.isArray(body.data)) throw new Error('no data array');
  const data = body.data
    .map((d, i) => ({ index: d.index ?? i, values: typeof d.embedding === 'string' ? decodeFloat32Base64(d.embedding) : d.embedding }))
    .sort((a, b) => a.index - b.index)
    .map((d) => {
      if (!Array.isArray(d.values) || d.values.some((v) => typeof v !== 'number')) throw new Error('embedding is not a vector');
      return { values: d.values };
    });
  const reported = body.usage?.prompt_tokens ?? body.usage?.total_tokens;
  return {
    response: { data },
    usage: {
      inputTokens: reported ?? estimateEmbeddingTokens(request.input),
      outputTokens: 0,
      images: 0,
      audioMs: 0,
      characters: 0,
      estimated: reported === undefined,
    },
  };
}
