import { errors } from '@gatewayz/errors';
import type { ResolveResponse } from '@gatewayz/proto';

/** The public endpoints, by what they ask of a model. */
export type Endpoint = 'chat' | 'embeddings' | 'images' | 'transcriptions' | 'speech';

const ENDPOINT_OF: Record<string, Exclude<Endpoint, 'chat'>> = {
  'text->embedding': 'embeddings',
  'text->image': 'images',
  'audio->text': 'transcriptions',
  'text->audio': 'speech',
};

const PATH_OF: Record<Endpoint, string> = {
  chat: 'POST /v1/chat/completions (or /v1/messages)',
  embeddings: 'POST /v1/embeddings',
  images: 'POST /v1/images/generations',
  transcriptions: 'POST /v1/audio/transcriptions',
  speech: 'POST /v1/audio/speech',
};

/** Which endpoint serves a model of this modality (every text-generating modality is chat). */
export function endpointFor(modality: string): Endpoint {
  return ENDPOINT_OF[modality] ?? 'chat';
}

/** A model asked of the wrong endpoint is a 400 that says where it belongs. */
export function checkEndpoint(resolved: ResolveResponse, endpoint: Endpoint): void {
  const model = resolved.model!;
  const serves = endpointFor(model.modality);
  if (serves !== endpoint) {
    throw errors.invalidRequest(`'${model.id}' is not a model for this endpoint (it is a ${model.modality} model); use ${PATH_OF[serves]}.`, 'model', 'model_not_supported');
  }
}
