import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProviderError } from '@gatewayz/errors';
import type { EmbeddingsRequest, SpeechRequest } from '@gatewayz/wire';
import type { MediaAdapter, MediaCall, TranscriptionInput } from '../media/contract';
import { audioDuration, encodeWav, parseWav } from '../media/wav';
import { speechCharacters } from '../openai-compatible/audio';
import { solidPng } from './png';
import type { SimOptions } from './sim';

/**
 * The simulator's media models, offline and deterministic: "embed" (unit vectors derived from
 * the input's hash), "image" (a solid-colour PNG of the requested size, colour from the
 * prompt), "whisper" (a transcript describing the audio: exact duration for WAV, estimated from
 * the size otherwise) and "speech" (a WAV or raw PCM tone, 24 kHz 16-bit mono, whose length
 * follows the text). Sim counts a word as a token.
 */
const SIM_DIMENSIONS = 64;
const SPEECH_RATE = 24_000;

function simError(model: string): ProviderError {
  return new ProviderError({ provider: 'sim', upstreamStatus: 404, code: 'upstream_error', message: `The simulator has no model '${model}'.`, status: 502 });
}

function cancelled(): ProviderError {
  return new ProviderError({ provider: 'sim', upstreamStatus: 0, code: 'cancelled', message: 'The request was cancelled.', status: 499 });
}

function userError(message: string, param: string): ProviderError {
  return new ProviderError({ provider: 'sim', upstreamStatus: 400, code: 'invalid_request', message, status: 400, param });
}

/** A deterministic unit vector for one input. */
export function simEmbedding(input: string, dimensions: number): number[] {
  const values: number[] = [];
  for (let block = 0; values.length < dimensions; block++) {
    const digest = createHash('sha256').update(`${block}:${input}`).digest();
    for (let i = 0; i + 2 <= digest.length && values.length < dimensions; i += 2) values.push(digest.readUInt16BE(i) / 32767.5 - 1);
  }
  const norm = Math.sqrt(values.reduce((s, v) => s + v * v, 0)) || 1;
  return values.map((v) => Math.fround(v / norm));
}

function inputs(request: EmbeddingsRequest): string[] {
  const input = request.input;
  if (typeof input === 'string') return [input];
  if (input.length > 0 && typeof input[0] === 'number') return [JSON.stringify(input)];
  return (input as (string | number[])[]).map((i) => (typeof i === 'string' ? i : JSON.stringify(i)));
}

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

function imageSize(size: string | null | undefined): [number, number] {
  const m = /^(\d+)x(\d+)$/.exec(size ?? '');
  return m ? [Number(m[1]), Number(m[2])] : [1024, 1024];
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(2);
}

function timestamp(ms: number, separator: ',' | '.'): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${pad(Math.floor(ms / 3_600_000))}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}${separator}${pad(ms % 1000, 3)}`;
}

/** The transcript in each response format OpenAI offers. */
function transcriptBody(format: string, text: string, durationMs: number, input: TranscriptionInput): { body: string; contentType: string } {
  switch (format) {
    case 'text':
      return { body: `${text}\n`, contentType: 'text/plain; charset=utf-8' };
    case 'srt':
      return { body: `1\n${timestamp(0, ',')} --> ${timestamp(durationMs, ',')}\n${text}\n\n`, contentType: 'text/plain; charset=utf-8' };
    case 'vtt':
      return { body: `WEBVTT\n\n${timestamp(0, '.')} --> ${timestamp(durationMs, '.')}\n${text}\n\n`, contentType: 'text/plain; charset=utf-8' };
    case 'verbose_json': {
      const duration = durationMs / 1000;
      const body: Record<string, unknown> = {
        task: 'transcribe',
        language: input.params.language ?? 'english',
        duration,
        text,
        segments: [{ id: 0, seek: 0, start: 0, end: duration, text, tokens: [], temperature: 0, avg_logprob: 0, compression_ratio: 1, no_speech_prob: 0 }],
      };
      if (input.params.timestamp_granularities?.includes('word')) {
        const list = text.split(/\s+/);
        body.words = list.map((word, i) => ({ word, start: (i * duration) / list.length, end: ((i + 1) * duration) / list.length }));
      }
      return { body: JSON.stringify(body), contentType: 'application/json' };
    }
    default:
      return { body: JSON.stringify({ text, usage: { type: 'duration', seconds: Math.ceil(durationMs / 1000) } }), contentType: 'application/json' };
  }
}

function transcribe(input: TranscriptionInput): { text: string; durationMs: number; estimated: boolean } {
  const wav = parseWav(input.audio);
  if (wav) {
    const ch = wav.channels === 1 ? 'mono' : `${wav.channels}-channel`;
    return { text: `Simulated transcript of ${seconds(wav.durationMs)} seconds of ${wav.sampleRate} Hz ${ch} WAV audio.`, durationMs: wav.durationMs, estimated: false };
  }
  const { ms, estimated } = audioDuration(input.audio);
  return { text: `Simulated transcript of ${input.audio.length} bytes of ${input.format} audio.`, durationMs: ms, estimated };
}

/** A tone whose length follows the text: 60 ms per character, 0.2 s to 3 s, scaled by speed. */
function speech(request: SpeechRequest): Int16Array {
  const ms = Math.min(3_000, Math.max(200, speechCharacters(request.input) * 60)) / (request.speed ?? 1);
  const samples = new Int16Array(Math.round((SPEECH_RATE * ms) / 1000));
  const hz = 220 + (createHash('sha256').update(request.input).digest()[0]! % 32) * 20;
  for (let i = 0; i < samples.length; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / SPEECH_RATE));
  return samples;
}

export function simMediaAdapter(options: SimOptions): MediaAdapter {
  const ready = async (call: MediaCall<unknown>, model: string) => {
    if (call.target.nativeModel !== model) throw simError(call.target.nativeModel);
    if (call.signal.aborted) throw cancelled();
    if (options.firstTokenMs > 0) await sleep(options.firstTokenMs, undefined, { signal: call.signal }).catch(() => Promise.reject(cancelled()));
  };
  return {
    kind: 'sim',
    async embed(call) {
      await ready(call, 'embed');
      const texts = inputs(call.request);
      const dimensions = call.request.dimensions ?? SIM_DIMENSIONS;
      if (dimensions > 3072) throw userError('The simulator makes vectors of at most 3072 dimensions.', 'dimensions');
      const tokens = texts.reduce((n, t) => n + Math.max(1, words(t)), 0);
      return {
        response: { data: texts.map((t) => ({ values: simEmbedding(t, dimensions) })) },
        usage: { inputTokens: tokens, outputTokens: 0, images: 0, audioMs: 0, characters: 0, estimated: false },
      };
    },
    async generateImage(call) {
      await ready(call, 'image');
      const r = call.request;
      const n = r.n ?? 1;
      const [width, height] = imageSize(r.size);
      const data = Array.from({ length: n }, (_, i) => {
        const d = createHash('sha256').update(`${i}:${r.prompt}`).digest();
        const b64 = solidPng(width, height, [d[0]!, d[1]!, d[2]!]).toString('base64');
        // The simulator hosts nothing: a URL answer is a data: URL.
        return r.response_format === 'url' ? { url: `data:image/png;base64,${b64}` } : { b64Json: b64 };
      });
      return {
        response: { data, created: BigInt(Math.floor(Date.now() / 1000)), size: `${width}x${height}`, outputFormat: 'png' },
        usage: { inputTokens: words(r.prompt), outputTokens: 0, images: n, audioMs: 0, characters: 0, estimated: false },
      };
    },
    async transcribe(call) {
      await ready(call, 'whisper');
      const t = transcribe(call.request);
      const { body, contentType } = transcriptBody(call.request.params.response_format ?? 'json', t.text, t.durationMs, call.request);
      return {
        response: { text: t.text, body: Buffer.from(body, 'utf8'), contentType },
        usage: { inputTokens: 0, outputTokens: words(t.text), images: 0, audioMs: t.durationMs, characters: 0, estimated: t.estimated },
      };
    },
    async speak(call) {
      await ready(call, 'speech');
      const format = call.request.response_format ?? 'mp3';
      if (format !== 'wav' && format !== 'pcm') {
        throw userError(`The simulator speaks only 'wav' and 'pcm' (24 kHz, 16-bit mono), not '${format}'. Set response_format.`, 'response_format');
      }
      const samples = speech(call.request);
      const audio = format === 'wav' ? encodeWav(samples, SPEECH_RATE) : new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
      return {
        response: { audio, contentType: format === 'wav' ? 'audio/wav' : 'audio/pcm' },
        usage: { inputTokens: 0, outputTokens: 0, images: 0, audioMs: 0, characters: speechCharacters(call.request.input), estimated: false },
      };
    },
  };
}
