import { z } from 'zod';

/**
 * Requests of OpenAI's media endpoints, as its API reference documents them: embeddings, image
 * generation, speech and transcription. Validated once at the edge; everything behind the edge
 * trusts their shape. Unknown parameters of JSON bodies are kept (providers' extensions), as for
 * chat; transcription form fields are checked strictly (a misspelt field is an error, not a
 * silently different request).
 */
const model = z
  .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
  .trim()
  .min(1, 'must not be empty')
  .max(256);

const tokenArray = z.array(z.number().int('must be token ids (integers)').nonnegative()).min(1, 'must not be empty');

export const embeddingsRequestSchema = z.looseObject({
  model,
  input: z.union(
    [
      z.string().min(1, 'must not be empty'),
      z.array(z.string().min(1, 'must not contain empty strings')).min(1, 'must not be empty').max(2048, 'accepts at most 2048 inputs'),
      tokenArray,
      z.array(tokenArray).min(1, 'must not be empty').max(2048, 'accepts at most 2048 inputs'),
    ],
    { error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string, an array of strings, or token arrays') },
  ),
  encoding_format: z.enum(['float', 'base64']).optional(),
  dimensions: z.number().int('must be an integer').min(1, 'must be at least 1').optional(),
  user: z.string().max(256).optional(),
});

export type EmbeddingsRequest = z.infer<typeof embeddingsRequestSchema>;

export const IMAGE_SIZES = ['auto', '256x256', '512x512', '1024x1024', '1536x1024', '1024x1536', '1792x1024', '1024x1792'] as const;

export const imageGenerationRequestSchema = z.looseObject({
  model,
  prompt: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(1, 'must not be empty')
    .max(32_000, 'is longer than 32000 characters'),
  n: z.number().int('must be an integer').min(1, 'must be at least 1').max(10, 'must be at most 10').nullable().optional(),
  size: z.enum(IMAGE_SIZES).nullable().optional(),
  quality: z.enum(['auto', 'standard', 'hd', 'low', 'medium', 'high']).nullable().optional(),
  style: z.enum(['vivid', 'natural']).nullable().optional(),
  response_format: z.enum(['url', 'b64_json']).nullable().optional(),
  background: z.enum(['auto', 'transparent', 'opaque']).nullable().optional(),
  moderation: z.enum(['auto', 'low']).nullable().optional(),
  output_format: z.enum(['png', 'jpeg', 'webp']).nullable().optional(),
  output_compression: z.number().int().min(0).max(100).nullable().optional(),
  user: z.string().max(256).optional(),
  stream: z.literal(false, 'is not supported: image generation answers with the whole image').nullable().optional(),
});

export type ImageGenerationRequest = z.infer<typeof imageGenerationRequestSchema>;

export const SPEECH_FORMATS = ['mp3', 'opus', 'aac', 'flac', 'wav', 'pcm'] as const;
export type SpeechFormat = (typeof SPEECH_FORMATS)[number];

export const speechRequestSchema = z.looseObject({
  model,
  input: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a string') })
    .min(1, 'must not be empty')
    .max(4096, 'is longer than 4096 characters'),
  voice: z.union([z.string().min(1, 'must not be empty').max(64), z.object({ id: z.string().min(1) })], {
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be a voice name'),
  }),
  response_format: z.enum(SPEECH_FORMATS).optional(),
  speed: z.number().min(0.25, 'must be at least 0.25').max(4, 'must be at most 4').optional(),
  instructions: z.string().max(4096).optional(),
  stream_format: z.literal('audio', "only 'audio' is supported (the whole file in the response body)").optional(),
});

export type SpeechRequest = z.infer<typeof speechRequestSchema>;

/** Audio formats a transcription accepts (OpenAI's list); anything else is a 400 naming them. */
export const AUDIO_FORMATS = ['flac', 'm4a', 'mp3', 'mp4', 'mpeg', 'mpga', 'oga', 'ogg', 'wav', 'webm'] as const;
export type AudioFormat = (typeof AUDIO_FORMATS)[number];

export const TRANSCRIPTION_RESPONSE_FORMATS = ['json', 'text', 'srt', 'verbose_json', 'vtt'] as const;

const transcriptionFields = {
  model,
  language: z
    .string()
    .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z]{2,4})?$/, 'must be an ISO-639-1 language code such as "en"')
    .optional(),
  prompt: z.string().max(16_000).optional(),
  response_format: z.enum(TRANSCRIPTION_RESPONSE_FORMATS).optional(),
  temperature: z.coerce.number('must be a number').min(0, 'must be at least 0').max(1, 'must be at most 1').optional(),
  timestamp_granularities: z.array(z.enum(['word', 'segment'])).optional(),
  include: z.array(z.literal('logprobs')).optional(),
  /** Streamed transcripts are not offered: only false is accepted (and nothing is forwarded). */
  stream: z.union([z.literal(false), z.literal('false')], 'is not supported: the transcript comes back whole').optional(),
};

/** The form fields of POST /v1/audio/transcriptions besides `file`. */
export const transcriptionParamsSchema = z.strictObject(transcriptionFields);
export type TranscriptionParams = z.infer<typeof transcriptionParamsSchema>;

/**
 * POST /v1/audio/transcriptions/base64: the same parameters as JSON, with the audio as base64
 * (or a data: URL). The format comes from `format`, else the file name's extension, else the
 * data URL's media type.
 */
export const base64TranscriptionRequestSchema = z.strictObject({
  ...transcriptionFields,
  audio: z
    .string({ error: (issue) => (issue.input === undefined ? 'is required' : 'must be a base64 string') })
    .min(1, 'must not be empty'),
  filename: z.string().min(1).max(256).optional(),
  format: z.string().min(1).max(16).optional(),
});

export type Base64TranscriptionRequest = z.infer<typeof base64TranscriptionRequestSchema>;
