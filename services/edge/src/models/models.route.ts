import type { Request, Response } from 'express';
import { microsToDollars } from '@gatewayz/catalog';
import { errors } from '@gatewayz/errors';
import type { ModelInfo, RoutingService } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ModelObject } from '@gatewayz/wire';

/** Micro-dollars per million tokens → dollars per token, exact: 2_500_000n → "0.0000025". */
export function perToken(microsPerMtok: bigint): string {
  const digits = microsPerMtok.toString().padStart(13, '0');
  return `${digits.slice(0, -12)}.${digits.slice(-12)}`.replace(/0+$/, '').replace(/\.$/, '');
}

export function toModelObject(m: ModelInfo): ModelObject {
  const p = m.price;
  const pricing: ModelObject['pricing'] = {
    prompt: perToken(p?.promptPerMtok ?? 0n),
    completion: perToken(p?.completionPerMtok ?? 0n),
  };
  if (p && p.cacheReadPerMtok !== p.promptPerMtok) pricing.input_cache_read = perToken(p.cacheReadPerMtok);
  if (p && p.cacheWritePerMtok !== p.promptPerMtok) pricing.input_cache_write = perToken(p.cacheWritePerMtok);
  // Media units: per image, per second of audio, per character (speech).
  if (p && p.perImage > 0n) pricing.image = microsToDollars(p.perImage);
  if (p && p.perAudioSecond > 0n) pricing.audio_second = microsToDollars(p.perAudioSecond);
  if (p && p.perMillionChars > 0n) pricing.character = perToken(p.perMillionChars);
  const out: ModelObject = {
    id: m.id,
    object: 'model',
    created: m.created,
    owned_by: m.ownedBy,
    name: m.name,
    context_length: m.contextLength,
    max_output_tokens: m.maxOutputTokens,
    modality: m.modality || 'text->text',
    providers: m.providers,
    pricing,
  };
  if (m.simulated) out.simulated = true;
  return out;
}

/** GET /v1/models: models a configured provider can serve right now. Public, like OpenRouter's. */
export function listModelsHandler(routing: ServiceClient<typeof RoutingService>, timeoutMs: number) {
  return async (req: Request, res: Response): Promise<void> => {
    const { models } = await routing.listModels({}, { timeoutMs, requestId: req.id });
    res.json({ object: 'list', data: models.map(toModelObject) });
  };
}

/** GET /v1/models/{id}: one model (ids contain a slash: /v1/models/openai/gpt-4o). */
export function retrieveModelHandler(routing: ServiceClient<typeof RoutingService>, timeoutMs: number) {
  return async (req: Request, res: Response): Promise<void> => {
    const raw = (req.params as { id?: string | string[] }).id;
    const id = Array.isArray(raw) ? raw.join('/') : (raw ?? '');
    if (!id) throw errors.modelNotFound('');
    const resolved = await routing.resolve({ model: id }, { timeoutMs, requestId: req.id });
    res.json(toModelObject(resolved.model!));
  };
}
