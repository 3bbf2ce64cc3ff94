import type { Request, Response } from 'express';
import { microsToDollarNumber } from '@gatewayz/catalog';
import type { EmbedResponse } from '@gatewayz/proto';
import {
  embeddingsRequestSchema,
  imageGenerationRequestSchema,
  speechRequestSchema,
  validationError,
  type EmbeddingsResponse,
  type ImagesResponse,
} from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import { estimateTokensFromChars } from '@gatewayz/billing-ledger';
import type { UsageEstimate } from '../inference/billing-gate';
import type { InferenceService, UnaryCall } from '../inference/inference.service';
import type { Endpoint } from '../inference/modality';

/** Every media answer says what it cost (dollars), also where the body cannot (audio). */
export const COST_HEADER = 'x-gatewayz-cost-usd';

/** Prompt tokens of an embeddings input, by the 4-characters-per-token rule (token arrays count as is). */
export function embeddingInputTokens(input: unknown): number {
  if (typeof input === 'string') return estimateTokensFromChars(input.length);
  if (Array.isArray(input)) return input.reduce((n: number, item: unknown) => n + (typeof item === 'number' ? 1 : embeddingInputTokens(item)), 0);
  return 0;
}

/** Starts a unary media call: authorized for `estimate`, abort on client disconnect, response headers set. */
export async function startMedia(
  inference: InferenceService,
  req: Request,
  res: Response,
  a: { model: string; endpoint: Exclude<Endpoint, 'chat'>; estimate: UsageEstimate },
): Promise<UnaryCall> {
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const call = await inference.startUnary({ requestId: req.id, auth: req.auth as AuthContext, model: a.model, endpoint: a.endpoint, estimate: a.estimate, signal: controller.signal });
  for (const [name, value] of Object.entries(call.responseHeaders)) res.setHeader(name, value);
  return call;
}

export function setCost(res: Response, cost: bigint): number {
  const dollars = microsToDollarNumber(cost);
  res.setHeader(COST_HEADER, String(dollars));
  return dollars;
}

/** Vectors as OpenAI's base64: little-endian float32. */
function float32Base64(values: number[]): string {
  const buf = Buffer.alloc(values.length * 4);
  for (let i = 0; i < values.length; i++) buf.writeFloatLE(values[i]!, i * 4);
  return buf.toString('base64');
}

/** POST /v1/embeddings. */
export function embeddingsHandler(inference: InferenceService) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = embeddingsRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const request = parsed.data;
    const call = await startMedia(inference, req, res, {
      model: request.model,
      endpoint: 'embeddings',
      estimate: { promptTokens: embeddingInputTokens(request.input), maxOutputTokens: 0 },
    });
    const { response, cost } = await call.run((media, options) => media.embed({ target: call.target, body: Buffer.from(JSON.stringify(request)) }, options));
    const base64 = request.encoding_format === 'base64';
    const tokens = response.outcome?.usage?.inputTokens ?? 0;
    const body: EmbeddingsResponse = {
      object: 'list',
      data: response.data.map((e: EmbedResponse['data'][number], index) => ({ object: 'embedding', index, embedding: base64 ? float32Base64(e.values) : e.values })),
      model: call.model,
      usage: { prompt_tokens: tokens, total_tokens: tokens, cost: setCost(res, cost) },
      provider: response.outcome?.provider ?? '',
    };
    res.json(body);
  };
}

/** POST /v1/images/generations. */
export function imagesHandler(inference: InferenceService) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = imageGenerationRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const request = parsed.data;
    const call = await startMedia(inference, req, res, { model: request.model, endpoint: 'images', estimate: { promptTokens: 0, maxOutputTokens: 0, images: request.n ?? 1 } });
    const { response, cost } = await call.run((media, options) => media.generateImage({ target: call.target, body: Buffer.from(JSON.stringify(request)) }, options));
    const u = response.outcome?.usage;
    const body: ImagesResponse = {
      created: Number(response.created),
      data: response.data.map((d) => ({
        ...(d.url ? { url: d.url } : { b64_json: d.b64Json }),
        ...(d.revisedPrompt ? { revised_prompt: d.revisedPrompt } : {}),
      })),
      ...(response.background ? { background: response.background } : {}),
      ...(response.outputFormat ? { output_format: response.outputFormat } : {}),
      ...(response.quality ? { quality: response.quality } : {}),
      ...(response.size ? { size: response.size } : {}),
      usage: {
        images: u?.images ?? response.data.length,
        ...(u && (u.inputTokens || u.outputTokens) ? { input_tokens: u.inputTokens, output_tokens: u.outputTokens, total_tokens: u.inputTokens + u.outputTokens } : {}),
        cost: setCost(res, cost),
      },
      provider: response.outcome?.provider ?? '',
    };
    res.json(body);
  };
}

/** POST /v1/audio/speech: the audio file in the body, its type in Content-Type. */
export function speechHandler(inference: InferenceService) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = speechRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const request = parsed.data;
    const call = await startMedia(inference, req, res, { model: request.model, endpoint: 'speech', estimate: { promptTokens: 0, maxOutputTokens: 0, characters: request.input.length } });
    const { response, cost } = await call.run((media, options) => media.speak({ target: call.target, body: Buffer.from(JSON.stringify(request)) }, options));
    setCost(res, cost);
    res.setHeader('content-type', response.contentType);
    res.setHeader('x-gatewayz-provider', response.outcome?.provider ?? '');
    res.end(Buffer.from(response.audio));
  };
}
