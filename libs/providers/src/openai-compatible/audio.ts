import type { AudioFormat, SpeechFormat, SpeechRequest } from '@gatewayz/wire';
import type { MediaCall, SpeechResult, TranscriptionInput, TranscriptionResult } from '../media/contract';
import { multipartBody, type FormPart } from '../media/multipart';
import { audioDuration } from '../media/wav';
import { MEDIA_PATHS, mediaEndpoint, mediaHeaders, upstreamJson } from './media.api';

/** Content types of the accepted audio formats, for the upload's file part. */
export const AUDIO_CONTENT_TYPES: Record<AudioFormat, string> = {
  flac: 'audio/flac',
  m4a: 'audio/mp4',
  mp3: 'audio/mpeg',
  mp4: 'audio/mp4',
  mpeg: 'audio/mpeg',
  mpga: 'audio/mpeg',
  oga: 'audio/ogg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  webm: 'audio/webm',
};

/** Content types of synthesized speech, when the upstream does not say. */
export const SPEECH_CONTENT_TYPES: Record<SpeechFormat, string> = {
  mp3: 'audio/mpeg',
  opus: 'audio/ogg',
  aac: 'audio/aac',
  flac: 'audio/flac',
  wav: 'audio/wav',
  pcm: 'audio/pcm',
};

/** Upstreams detect the format from the file name: make sure it ends in the format. */
function uploadName(filename: string, format: AudioFormat): string {
  return filename.toLowerCase().endsWith(`.${format}`) ? filename : `audio.${format}`;
}

/** POST /audio/transcriptions: a multipart upload of the file and the parameters. */
export function buildTranscriptionRequest(call: MediaCall<TranscriptionInput>): { url: string; headers: Record<string, string>; body: Buffer } {
  const { params, audio, filename, format } = call.request;
  const parts: FormPart[] = [
    { name: 'file', filename: uploadName(filename, format), contentType: AUDIO_CONTENT_TYPES[format], data: audio },
    { name: 'model', value: call.target.nativeModel },
  ];
  if (params.language !== undefined) parts.push({ name: 'language', value: params.language });
  if (params.prompt !== undefined) parts.push({ name: 'prompt', value: params.prompt });
  if (params.response_format !== undefined) parts.push({ name: 'response_format', value: params.response_format });
  if (params.temperature !== undefined) parts.push({ name: 'temperature', value: String(params.temperature) });
  for (const g of params.timestamp_granularities ?? []) parts.push({ name: 'timestamp_granularities[]', value: g });
  for (const i of params.include ?? []) parts.push({ name: 'include[]', value: i });
  const { body, contentType } = multipartBody(parts);
  return {
    url: mediaEndpoint(call.credentials.baseUrl, MEDIA_PATHS.transcriptions),
    headers: mediaHeaders({ provider: call.target.provider, credentials: call.credentials, requestId: call.requestId, contentType, accept: '*/*' }),
    body,
  };
}

/** The spoken text of an SRT or WebVTT document (cue numbers, timings and headers removed). */
export function captionText(doc: string): string {
  return doc
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '' && line.trim() !== 'WEBVTT' && !/^\d+$/.test(line.trim()) && !line.includes('-->'))
    .join(' ')
    .trim();
}

interface TranscriptionJson {
  text?: string;
  duration?: number;
  usage?: { type?: string; seconds?: number; input_tokens?: number; output_tokens?: number };
}

/**
 * The upstream's answer in the requested format, its plain text, and the audio duration billed:
 * the provider's own figure (usage.seconds, or verbose_json's duration) when it gives one, else
 * read from the file (exact for WAV), else estimated from its size.
 */
export function parseTranscriptionResponse(a: { body: Buffer; contentType: string; input: TranscriptionInput }): TranscriptionResult {
  const format = a.input.params.response_format ?? 'json';
  const isJson = format === 'json' || format === 'verbose_json';
  const text = a.body.toString('utf8');
  let plain: string;
  let reportedSeconds: number | undefined;
  let tokens = { input: 0, output: 0 };
  if (isJson) {
    const json = JSON.parse(text) as TranscriptionJson;
    if (typeof json.text !== 'string') throw new Error('no text');
    plain = json.text;
    if (json.usage?.type === 'duration' && typeof json.usage.seconds === 'number') reportedSeconds = json.usage.seconds;
    else if (typeof json.duration === 'number') reportedSeconds = json.duration;
    if (json.usage?.type === 'tokens') tokens = { input: json.usage.input_tokens ?? 0, output: json.usage.output_tokens ?? 0 };
  } else {
    plain = format === 'text' ? text.trim() : captionText(text);
  }
  const measured = reportedSeconds === undefined ? audioDuration(a.input.audio) : { ms: Math.round(reportedSeconds * 1000), estimated: false };
  return {
    response: {
      text: plain,
      body: a.body,
      contentType: a.contentType || (isJson ? 'application/json' : 'text/plain; charset=utf-8'),
    },
    usage: { inputTokens: tokens.input, outputTokens: tokens.output, images: 0, audioMs: measured.ms, characters: 0, estimated: measured.estimated },
  };
}

/** POST /audio/speech: JSON in, audio bytes out. */
export function buildSpeechRequest(call: MediaCall<SpeechRequest>): { url: string; headers: Record<string, string>; body: Record<string, unknown> } {
  return {
    url: mediaEndpoint(call.credentials.baseUrl, MEDIA_PATHS.speech),
    headers: mediaHeaders({ provider: call.target.provider, credentials: call.credentials, requestId: call.requestId, contentType: 'application/json', accept: '*/*' }),
    body: upstreamJson(call.request, call.target.nativeModel),
  };
}

/** Speech is billed by input characters (Unicode code points, as OpenAI counts them). */
export function speechCharacters(input: string): number {
  let n = 0;
  for (const _ of input) n++;
  return n;
}

export function parseSpeechResponse(a: { body: Buffer; contentType: string; request: SpeechRequest }): SpeechResult {
  if (a.body.length === 0) throw new Error('no audio');
  return {
    response: { audio: a.body, contentType: a.contentType || SPEECH_CONTENT_TYPES[a.request.response_format ?? 'mp3'] },
    usage: { inputTokens: 0, outputTokens: 0, images: 0, audioMs: 0, characters: speechCharacters(a.request.input), estimated: false },
  };
}
