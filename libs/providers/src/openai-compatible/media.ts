import type { MediaAdapter } from '../media/contract';
import { jsonOf, parseWith, postMedia } from '../media/http-media';
import type { HttpTransport } from '../transport/http';
import { buildSpeechRequest, buildTranscriptionRequest, parseSpeechResponse, parseTranscriptionResponse } from './audio';
import { extractOpenAIError } from './chat.response';
import { buildEmbeddingsRequest, parseEmbeddingsResponse } from './embeddings';
import { buildImageRequest, parseImageResponse } from './images';

/** The OpenAI-compatible family's media endpoints over the shared transport. */
export function openAICompatibleMediaAdapter(transport: HttpTransport): MediaAdapter {
  return {
    kind: 'openai-compatible',
    async embed(call) {
      const provider = call.target.provider;
      const built = buildEmbeddingsRequest(call);
      const res = await postMedia(transport, { provider, url: built.url, headers: built.headers, body: JSON.stringify(built.body), signal: call.signal }, extractOpenAIError);
      const json = jsonOf(res, provider);
      return parseWith(provider, () => parseEmbeddingsResponse(json, call.request));
    },
    async generateImage(call) {
      const provider = call.target.provider;
      const built = buildImageRequest(call);
      const res = await postMedia(transport, { provider, url: built.url, headers: built.headers, body: JSON.stringify(built.body), signal: call.signal }, extractOpenAIError);
      const json = jsonOf(res, provider);
      return parseWith(provider, () => parseImageResponse(json));
    },
    async transcribe(call) {
      const provider = call.target.provider;
      const built = buildTranscriptionRequest(call);
      const res = await postMedia(transport, { provider, url: built.url, headers: built.headers, body: built.body, signal: call.signal }, extractOpenAIError);
      return parseWith(provider, () => parseTranscriptionResponse({ body: res.bytes, contentType: res.contentType, input: call.request }));
    },
    async speak(call) {
      const provider = call.target.provider;
      const built = buildSpeechRequest(call);
      const res = await postMedia(transport, { provider, url: built.url, headers: built.headers, body: JSON.stringify(built.body), signal: call.signal }, extractOpenAIError);
      return parseWith(provider, () => parseSpeechResponse({ body: res.bytes, contentType: res.contentType, request: call.request }));
    },
  };
}
