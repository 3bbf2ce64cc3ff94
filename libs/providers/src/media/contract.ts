import type { MessageInitShape } from '@bufbuild/protobuf';
import type {
  EmbedResponseSchema,
  GenerateImageResponseSchema,
  MediaUsageSchema,
  SpeakResponseSchema,
  TranscribeResponseSchema,
} from '@gatewayz/proto';
import type { AudioFormat, EmbeddingsRequest, ImageGenerationRequest, SpeechRequest, TranscriptionParams } from '@gatewayz/wire';
import type { ProviderCredentials, RouteTarget } from '../contract';

/** What a media request used, in its pricing units (proto MediaUsage). */
export type MediaUsageInit = Required<Omit<MessageInitShape<typeof MediaUsageSchema>, '$typeName'>>;

export const emptyMediaUsage = (): MediaUsageInit => ({
  inputTokens: 0,
  outputTokens: 0,
  images: 0,
  audioMs: 0,
  characters: 0,
  estimated: false,
});

/** One attempt of a media request against one provider. */
export interface MediaCall<R> {
  target: RouteTarget;
  credentials: ProviderCredentials;
  /** The canonical (OpenAI-format) request, validated by the edge. */
  request: R;
  requestId: string;
  signal: AbortSignal;
}

/** A transcription's input: the form parameters and the audio file. */
export interface TranscriptionInput {
  params: TranscriptionParams;
  audio: Uint8Array;
  filename: string;
  format: AudioFormat;
}

/** An adapter's answer: the response (proto shape, without the outcome) and its usage. */
export interface MediaResult<R> {
  response: Omit<R, 'outcome' | '$typeName'>;
  usage: MediaUsageInit;
}

export type EmbedResult = MediaResult<MessageInitShape<typeof EmbedResponseSchema>>;
export type ImageResult = MediaResult<MessageInitShape<typeof GenerateImageResponseSchema>>;
export type TranscriptionResult = MediaResult<MessageInitShape<typeof TranscribeResponseSchema>>;
export type SpeechResult = MediaResult<MessageInitShape<typeof SpeakResponseSchema>>;

/**
 * The media adapter contract: one method per capability, each a single request/response. A
 * family implements what its providers offer; a route whose family lacks the capability is
 * skipped. Errors are ProviderErrors (status, retry-after) so the caller can fail over.
 */
export interface MediaAdapter {
  readonly kind: string;
  embed?(call: MediaCall<EmbeddingsRequest>): Promise<EmbedResult>;
  generateImage?(call: MediaCall<ImageGenerationRequest>): Promise<ImageResult>;
  transcribe?(call: MediaCall<TranscriptionInput>): Promise<TranscriptionResult>;
  speak?(call: MediaCall<SpeechRequest>): Promise<SpeechResult>;
}

export type MediaCapability = 'embed' | 'generateImage' | 'transcribe' | 'speak';
