import { Router } from 'express';
import type { ApiKeyAuthenticator } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';
import { jsonBody } from '../http/json-body';
import type { InferenceService } from '../inference/inference.service';
import { embeddingsHandler, imagesHandler, speechHandler } from './media-handlers';
import { base64TranscriptionHandler, transcriptionHandler } from './transcriptions';

export interface MediaDeps {
  authenticator: ApiKeyAuthenticator;
  inference: InferenceService;
  body: { limit: number; maxDepth: number };
  maxAudioBytes: number;
}

/**
 * OpenAI's media endpoints, each authenticated, routed through provider-proxy's MediaService
 * (failover like chat) and metered in its own units: POST /v1/embeddings (tokens),
 * /v1/images/generations (images), /v1/audio/transcriptions and its /base64 twin (audio
 * seconds), /v1/audio/speech (characters).
 */
export function mediaRouter(deps: MediaDeps): Router {
  const router = Router();
  const auth = requireApiKey(deps.authenticator);
  const body = jsonBody(deps.body);
  // base64 grows audio by 4/3; leave room for the other fields.
  const base64Body = jsonBody({ limit: Math.ceil(deps.maxAudioBytes / 3) * 4 + 64 * 1024, maxDepth: deps.body.maxDepth });
  const limits = { maxAudioBytes: deps.maxAudioBytes };
  router.post('/v1/embeddings', auth, body, embeddingsHandler(deps.inference));
  router.post('/v1/images/generations', auth, body, imagesHandler(deps.inference));
  router.post('/v1/audio/speech', auth, body, speechHandler(deps.inference));
  router.post('/v1/audio/transcriptions', auth, transcriptionHandler(deps.inference, limits));
  router.post('/v1/audio/transcriptions/base64', auth, base64Body, base64TranscriptionHandler(deps.inference, limits));
  return router;
}
