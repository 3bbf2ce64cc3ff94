import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EmbeddingsRequest, ImageGenerationRequest, SpeechRequest } from '@gatewayz/wire';
import type { MediaCall, TranscriptionInput } from '../media/contract';
import { encodeWav } from '../media/wav';
import { buildSpeechRequest, buildTranscriptionRequest, captionText, parseSpeechResponse, parseTranscriptionResponse } from './audio';
import { buildEmbeddingsRequest, decodeFloat32Base64, parseEmbeddingsResponse } from './embeddings';
import { buildImageRequest, parseImageResponse } from './images';

const fixtureText = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');
const fixture = (name: string): unknown => JSON.parse(fixtureText(name));

function call<R>(request: R, provider = 'openai'): MediaCall<R> {
  return {
    target: { provider, adapter: 'openai-compatible', nativeModel: 'native-1', baseUrl: 'https://api.example.test/v1/' },
    credentials: { apiKey: 'sk-test-key', baseUrl: 'https://api.example.test/v1/' },
    request,
    requestId: 'req-1',
    signal: new AbortController().signal,
  };
}

describe('embeddings (OpenAI-compatible)', () => {
  it('posts the request to <base>/embeddings with the native model, floats unless base64 was asked', () => {
    const built = buildEmbeddingsRequest(call<EmbeddingsRequest>({ model: 'openai/text-embedding-3-small', input: ['a', 'b'], dimensions: 256 }));
    expect(built.url).toBe('https://api.example.test/v1/embeddings');
    expect(built.headers.authorization).toBe('Bearer sk-test-key');
    expect(built.headers['x-request-id']).toBe('req-1');
    expect(built.body).toEqual({ model: 'native-1', input: ['a', 'b'], dimensions: 256, encoding_format: 'float' });
    expect(buildEmbeddingsRequest(call<EmbeddingsRequest>({ model: 'm', input: 'x', encoding_format: 'base64' })).body.encoding_format).toBe('base64');
  });

  it('parses float vectors in index order, with the reported usage', () => {
    const r = parseEmbeddingsResponse(fixture('embeddings-float.json'), { model: 'm', input: ['x', 'y'] });
    expect(r.response.data).toEqual([{ values: [0.0023064255, -0.009327292, -0.0028842222] }, { values: [0.5, -0.25, 0.125] }]);
    expect(r.usage).toMatchObject({ inputTokens: 8, estimated: false });
  });

  it('decodes base64 vectors (little-endian float32) exactly', () => {
    const r = parseEmbeddingsResponse(fixture('embeddings-base64.json'), { model: 'm', input: 'x', encoding_format: 'base64' });
    const expected = Array.from(new Float32Array([0.0023064255, -0.009327292, -0.0028842222]));
    expect(r.response.data).toEqual([{ values: expected }]);
    expect(r.usage.inputTokens).toBe(5);
    expect(() => decodeFloat32Base64('AAA=')).toThrow();
  });

  it('estimates usage (1 token per 4 characters) when the provider reports none', () => {
    const r = parseEmbeddingsResponse({ data: [{ index: 0, embedding: [1] }] }, { model: 'm', input: 'sixteen chars!!!' });
    expect(r.usage).toMatchObject({ inputTokens: 4, estimated: true });
  });

  it('rejects a body without vectors', () => {
    expect(() => parseEmbeddingsResponse({ data: [{ index: 0, embedding: 'not base64 floats!' }] }, { model: 'm', input: 'x' })).toThrow();
    expect(() => parseEmbeddingsResponse({ object: 'list' }, { model: 'm', input: 'x' })).toThrow();
  });
});

describe('image generation (OpenAI-compatible)', () => {
  it('posts the request to <base>/images/generations, nulls and stream dropped', () => {
    const built = buildImageRequest(call<ImageGenerationRequest>({ model: 'm', prompt: 'an otter', n: 2, size: '1024x1024', quality: null, stream: false }));
    expect(built.url).toBe('https://api.example.test/v1/images/generations');
    expect(built.body).toEqual({ model: 'native-1', prompt: 'an otter', n: 2, size: '1024x1024' });
  });

  it('parses URL images (dall-e-3) and counts them', () => {
    const r = parseImageResponse(fixture('images-dall-e-3.json'));
    expect(r.response.data).toEqual([
      { url: 'https://oaidalleapiprodscus.blob.core.windows.net/private/org-xyz/img-abc.png', b64Json: '', revisedPrompt: 'A cute baby sea otter floating on its back in calm blue water.' },
    ]);
    expect(r.response.created).toBe(1713833628n);
    expect(r.usage).toMatchObject({ images: 1, inputTokens: 0 });
  });

  it('parses base64 images with gpt-image-1 extras and token usage', () => {
    const r = parseImageResponse(fixture('images-gpt-image-1.json'));
    expect(r.response.data?.[0]?.b64Json).toMatch(/^iVBOR/);
    expect(r.response).toMatchObject({ background: 'opaque', outputFormat: 'png', quality: 'medium', size: '1024x1024' });
    expect(r.usage).toMatchObject({ images: 1, inputTokens: 50, outputTokens: 50 });
    expect(() => parseImageResponse({ data: [{}] })).toThrow();
  });
});

describe('transcription (OpenAI-compatible)', () => {
  const wav = encodeWav(new Int16Array(16_000 * 2), 16_000); // 2 s of silence
  const input = (extra: Partial<TranscriptionInput['params']> = {}, filename = 'meeting.wav'): TranscriptionInput => ({
    params: { model: 'whisper-1', ...extra },
    audio: wav,
    filename,
    format: 'wav',
  });

  it('uploads multipart: the file (named for its format), the native model and each parameter', () => {
    const built = buildTranscriptionRequest(call(input({ language: 'en', temperature: 0.2, response_format: 'verbose_json', timestamp_granularities: ['word', 'segment'] })));
    expect(built.url).toBe('https://api.example.test/v1/audio/transcriptions');
    const boundary = /boundary=(.+)$/.exec(built.headers['content-type']!)![1]!;
    const text = built.body.toString('latin1');
    expect(text.startsWith(`--${boundary}\r\n`)).toBe(true);
    expect(text).toContain('name="file"; filename="meeting.wav"\r\nContent-Type: audio/wav');
    expect(text).toContain('name="model"\r\n\r\nnative-1\r\n');
    expect(text).toContain('name="language"\r\n\r\nen\r\n');
    expect(text).toContain('name="temperature"\r\n\r\n0.2\r\n');
    expect(text.match(/name="timestamp_granularities\[\]"/g)).toHaveLength(2);
    expect(text.endsWith(`--${boundary}--\r\n`)).toBe(true);
    expect(built.body.includes(Buffer.from(wav))).toBe(true);
    expect(buildTranscriptionRequest(call(input({}, 'noext'))).body.toString('latin1')).toContain('filename="audio.wav"');
  });

  it('json: text and the billed duration from usage.seconds', () => {
    const r = parseTranscriptionResponse({ body: Buffer.from(fixtureText('transcription-json.json')), contentType: 'application/json', input: input() });
    expect(r.response.text).toMatch(/^Imagine the wildest idea/);
    expect(r.usage).toMatchObject({ audioMs: 9_000, estimated: false });
  });

  it('verbose_json: the duration field when there is no usage', () => {
    const r = parseTranscriptionResponse({ body: Buffer.from(fixtureText('transcription-verbose.json')), contentType: 'application/json', input: input({ response_format: 'verbose_json' }) });
    expect(r.response.text).toBe('The beach was a popular spot on a hot summer day.');
    expect(r.usage.audioMs).toBe(8_470);
  });

  it('token usage (gpt-4o-transcribe) is kept; the duration is read from the WAV', () => {
    const r = parseTranscriptionResponse({ body: Buffer.from(fixtureText('transcription-tokens.json')), contentType: 'application/json', input: input() });
    expect(r.usage).toMatchObject({ inputTokens: 14, outputTokens: 45, audioMs: 2_000, estimated: false });
  });

  it('srt/text: the body as is, the plain text extracted; duration from the file', () => {
    const srt = fixtureText('transcription.srt');
    const r = parseTranscriptionResponse({ body: Buffer.from(srt), contentType: 'text/plain; charset=utf-8', input: input({ response_format: 'srt' }) });
    expect(Buffer.from(r.response.body as Uint8Array).toString()).toBe(srt);
    expect(r.response.text).toBe('The beach was a popular spot on a hot summer day.');
    expect(r.usage.audioMs).toBe(2_000);
    expect(captionText('WEBVTT\n\n00:00.000 --> 00:01.000\nhello\n')).toBe('hello');
  });

  it('a non-WAV file without a reported duration is estimated from its size', () => {
    const mp3: TranscriptionInput = { params: { model: 'm', response_format: 'text' }, audio: new Uint8Array(32_000), filename: 'a.mp3', format: 'mp3' };
    const r = parseTranscriptionResponse({ body: Buffer.from('hello\n'), contentType: '', input: mp3 });
    expect(r.response).toMatchObject({ text: 'hello', contentType: 'text/plain; charset=utf-8' });
    expect(r.usage).toMatchObject({ audioMs: 2_000, estimated: true });
  });
});

describe('speech (OpenAI-compatible)', () => {
  const request: SpeechRequest = { model: 'tts-1', input: 'Héllo 👋', voice: 'alloy', response_format: 'wav' };

  it('posts JSON to <base>/audio/speech with the native model', () => {
    const built = buildSpeechRequest(call(request));
    expect(built.url).toBe('https://api.example.test/v1/audio/speech');
    expect(built.body).toEqual({ model: 'native-1', input: 'Héllo 👋', voice: 'alloy', response_format: 'wav' });
  });

  it('returns the bytes with their content type and bills characters as code points', () => {
    const r = parseSpeechResponse({ body: Buffer.from([1, 2, 3]), contentType: '', request });
    expect(r.response.contentType).toBe('audio/wav');
    expect(r.usage.characters).toBe(7);
    expect(parseSpeechResponse({ body: Buffer.from([1]), contentType: 'audio/mpeg', request: { ...request, response_format: undefined } }).response.contentType).toBe('audio/mpeg');
    expect(() => parseSpeechResponse({ body: Buffer.alloc(0), contentType: '', request })).toThrow();
  });
});
