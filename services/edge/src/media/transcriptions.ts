import type { Request, Response } from 'express';
import type { TranscribeResponse } from '@gatewayz/proto';
import { base64TranscriptionRequestSchema, transcriptionParamsSchema, validationError, type TranscriptionParams } from '@gatewayz/wire';
import { audioDuration } from '@gatewayz/providers';
import type { InferenceService } from '../inference/inference.service';
import { audioFormatOf, decodeBase64Audio, readAudioUpload } from './audio-upload';
import { setCost, startMedia } from './media-handlers';

interface Transcription {
  params: TranscriptionParams;
  audio: Buffer;
  filename: string;
  format: string;
}

async function transcribe(inference: InferenceService, req: Request, res: Response, t: Transcription): Promise<void> {
  // The WAV header's duration, else an estimate from the size (the bound the reservation holds).
  const seconds = Math.ceil(audioDuration(t.audio).ms / 1000);
  const call = await startMedia(inference, req, res, { model: t.params.model, endpoint: 'transcriptions', estimate: { promptTokens: 0, maxOutputTokens: 0, audioSeconds: seconds } });
  const { response, cost } = await call.run((media, options) =>
    media.transcribe({ target: call.target, params: Buffer.from(JSON.stringify(t.params)), audio: t.audio, filename: t.filename, format: t.format }, options),
  );
  const dollars = setCost(res, cost);
  res.setHeader('x-gatewayz-provider', response.outcome?.provider ?? '');
  const format = t.params.response_format ?? 'json';
  if (format === 'json' || format === 'verbose_json') {
    res.json(withCost(response, dollars));
    return;
  }
  res.setHeader('content-type', response.contentType || 'text/plain; charset=utf-8');
  res.end(Buffer.from(response.body));
}

/** A JSON transcript with `usage` carrying the cost (the duration billed when the provider gave none). */
function withCost(response: TranscribeResponse, dollars: number): Record<string, unknown> {
  const body = JSON.parse(Buffer.from(response.body).toString('utf8')) as Record<string, unknown>;
  const usage = body.usage && typeof body.usage === 'object' ? (body.usage as Record<string, unknown>) : { type: 'duration', seconds: Math.ceil((response.outcome?.usage?.audioMs ?? 0) / 1000) };
  return { ...body, usage: { ...usage, cost: dollars } };
}

/** POST /v1/audio/transcriptions: multipart upload (`file` + form fields), as OpenAI's API. */
export function transcriptionHandler(inference: InferenceService, limits: { maxAudioBytes: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const upload = await readAudioUpload(req, { maxFileBytes: limits.maxAudioBytes });
    const parsed = transcriptionParamsSchema.safeParse(upload.fields);
    if (!parsed.success) throw validationError(parsed.error);
    await transcribe(inference, req, res, { params: parsed.data, audio: upload.audio, filename: upload.filename, format: upload.format });
  };
}

/** POST /v1/audio/transcriptions/base64: the same, as JSON with the audio in base64. */
export function base64TranscriptionHandler(inference: InferenceService, limits: { maxAudioBytes: number }) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = base64TranscriptionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const { audio: encoded, filename, format: declared, ...params } = parsed.data;
    const { audio, mimeType } = decodeBase64Audio(encoded, limits.maxAudioBytes);
    const format = audioFormatOf({ declared, filename, mimeType });
    await transcribe(inference, req, res, { params, audio, filename: filename ?? `audio.${format}`, format });
  };
}
