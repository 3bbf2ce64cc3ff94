import type { ImageGenerationRequest } from '@gatewayz/wire';
import type { ImageResult, MediaCall } from '../media/contract';
import { MEDIA_PATHS, mediaEndpoint, mediaHeaders, upstreamJson } from './media.api';

/** POST /images/generations: the request as is (native model id), the images back. */
export function buildImageRequest(call: MediaCall<ImageGenerationRequest>): { url: string; headers: Record<string, string>; body: Record<string, unknown> } {
  return {
    url: mediaEndpoint(call.credentials.baseUrl, MEDIA_PATHS.images),
    headers: mediaHeaders({ provider: call.target.provider, credentials: call.credentials, requestId: call.requestId, contentType: 'application/json', accept: 'application/json' }),
    body: upstreamJson(call.request, call.target.nativeModel, ['stream']),
  };
}

interface ImagesBody {
  created?: number;
  data: { url?: string; b64_json?: string; revised_prompt?: string }[];
  background?: string;
  output_format?: string;
  quality?: string;
  size?: string;
  usage?: { input_tokens?: number; output_tokens?: number };
}

export function parseImageResponse(json: unknown): ImageResult {
  const body = json as ImagesBody;
  if (!Array.isArray(body.data)) throw new Error('no data array');
  const data = body.data.map((d) => {
    if (typeof d.url !== 'string' && typeof d.b64_json !== 'string') throw new Error('an image has neither url nor b64_json');
    return { url: d.url ?? '', b64Json: d.b64_json ?? '', revisedPrompt: d.revised_prompt ?? '' };
  });
  return {
    response: {
      data,
      created: BigInt(body.created ?? Math.floor(Date.now() / 1000)),
      background: body.background ?? '',
      outputFormat: body.output_format ?? '',
      quality: body.quality ?? '',
      size: body.size ?? '',
    },
    usage: {
      inputTokens: body.usage?.input_tokens ?? 0,
      outputTokens: body.usage?.output_tokens ?? 0,
      images: data.length,
      audioMs: 0,
      characters: 0,
      estimated: false,
    },
  };
}
