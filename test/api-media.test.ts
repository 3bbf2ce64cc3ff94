import { randomUUID } from 'node:crypto';
import OpenAI, { toFile } from 'openai';
import { RequestStatus } from '@gatewayz/proto';
import { encodeWav, parseWav } from '@gatewayz/providers';
import { FAKE_PNG_BASE64, fakeOpenAIMedia, fakeSpeechBytes, fakeVector, type FakeOpenAIMedia } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';
import { UsageWatch } from './support/usage-watch';

/**
 * Embeddings, image generation, transcription (multipart and base64) and speech through the
 * gateway with the official openai SDK: to the simulator and to a fake OpenAI upstream, each
 * metered in its own units (usage.recorded read back from NATS).
 */
type ApiError = InstanceType<typeof OpenAI.APIError>;
type WithCost = { usage?: { cost?: number } };

/** 1.5 s of 16 kHz mono silence. */
const WAV = Buffer.from(encodeWav(new Int16Array(24_000), 16_000));

describe('media endpoints (openai SDK)', () => {
  let stack: TestStack;
  let upstream: FakeOpenAIMedia;
  let client: OpenAI;
  let key: string;
  let usage: UsageWatch;

  beforeAll(async () => {
    upstream = await fakeOpenAIMedia();
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-gateway-openai', OPENAI_BASE_URL: upstream.url, RATE_LIMIT_RETRIES: '0' } });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
    usage = await UsageWatch.open();
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
    await usage.close();
  });

  beforeEach(() => upstream.reset());

  /** Runs `call` with a known request id and returns its usage.recorded event. */
  async function metered<T>(call: (headers: { 'x-request-id': string }) => Promise<T>): Promise<{ result: T; event: Awaited<ReturnType<UsageWatch['waitFor']>> }> {
    const requestId = `media-${randomUUID()}`;
    const before = await usage.mark();
    const result = await call({ 'x-request-id': requestId });
    return { result, event: await usage.waitFor(requestId, before) };
  }

  describe('to the simulator', () => {
    it('embeddings: deterministic unit vectors, floats or the SDK default (base64) alike; billed by tokens', async () => {
      const { result: floats, event } = await metered((headers) =>
        client.embeddings.create({ model: 'sim/embed', input: ['hello world', 'goodbye'], encoding_format: 'float', dimensions: 8 }, { headers }),
      );
      expect(floats.object).toBe('list');
      expect(floats.model).toBe('sim/embed');
      expect(floats.data.map((d) => [d.object, d.index, d.embedding.length])).toEqual([
        ['embedding', 0, 8],
        ['embedding', 1, 8],
      ]);
      expect(Math.hypot(...floats.data[0]!.embedding)).toBeCloseTo(1, 5);
      expect(floats.usage).toMatchObject({ prompt_tokens: 3, total_tokens: 3 });
      // The SDK asks for base64 by default and decodes it: the same float32 values.
      const decoded = await client.embeddings.create({ model: 'sim/embed', input: ['hello world', 'goodbye'], dimensions: 8 });
      expect(decoded.data.map((d) => d.embedding)).toEqual(floats.data.map((d) => d.embedding));
      expect(event).toMatchObject({ model: 'sim/embed', provider: 'sim', status: RequestStatus.SUCCESS });
      expect(event.usage!.inputTokens).toBe(3);
      // 3 tokens × $0.01/M rounds up to 1 µ$.
      expect(event.costMicros).toBe(1n);
    });

    it('images.generate: valid PNGs of the requested size, billed per image', async () => {
      const { result, event } = await metered((headers) =>
        client.images.generate({ model: 'sim/image', prompt: 'a lighthouse', n: 2, size: '256x256', response_format: 'b64_json' }, { headers }),
      );
      expect(result.data).toHaveLength(2);
      const png = Buffer.from(result.data![0]!.b64_json!, 'base64');
      expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
      expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([256, 256]);
      expect((result as WithCost).usage?.cost).toBe(0.02);
      expect(event.costMicros).toBe(20_000n); // 2 × $0.01
    });

    it('audio.transcriptions.create with a WAV file: text, billed by its exact duration', async () => {
      const file = await toFile(WAV, 'meeting.wav', { type: 'audio/wav' });
      const { result, event } = await metered((headers) => client.audio.transcriptions.create({ model: 'sim/whisper', file }, { headers }));
      expect(result.text).toBe('Simulated transcript of 1.50 seconds of 16000 Hz mono WAV audio.');
      expect(event).toMatchObject({ model: 'sim/whisper', provider: 'sim', status: RequestStatus.SUCCESS });
      expect(event.costMicros).toBe(150n); // 1.5 s × $0.0001/s
    });

    it('transcriptions in every response format', async () => {
      const file = () => toFile(WAV, 'a.wav');
      const text = await client.audio.transcriptions.create({ model: 'sim/whisper', file: await file(), response_format: 'text' });
      expect(text).toBe('Simulated transcript of 1.50 seconds of 16000 Hz mono WAV audio.\n');
      const srt = await client.audio.transcriptions.create({ model: 'sim/whisper', file: await file(), response_format: 'srt' });
      expect(srt).toContain('00:00:00,000 --> 00:00:01,500');
      const verbose = await client.audio.transcriptions.create({ model: 'sim/whisper', file: await file(), response_format: 'verbose_json', timestamp_granularities: ['word'] });
      expect(verbose.duration).toBe(1.5);
      expect(verbose.words?.map((w) => w.word).slice(0, 2)).toEqual(['Simulated', 'transcript']);
    });

    it('the base64 variant: JSON with the audio (or a data: URL), same answer', async () => {
      const post = (body: object) =>
        fetch(`${stack.baseURL}/audio/transcriptions/base64`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const plain = await post({ model: 'sim/whisper', audio: WAV.toString('base64'), filename: 'clip.wav' });
      expect(plain.status).toBe(200);
      expect(await plain.json()).toMatchObject({ text: 'Simulated transcript of 1.50 seconds of 16000 Hz mono WAV audio.', usage: { type: 'duration', cost: 0.00015 } });
      const dataUrl = await post({ model: 'sim/whisper', audio: `data:audio/wav;base64,${WAV.toString('base64')}`, response_format: 'text' });
      expect(await dataUrl.text()).toBe('Simulated transcript of 1.50 seconds of 16000 Hz mono WAV audio.\n');
      const unknown = await post({ model: 'sim/whisper', audio: WAV.toString('base64') });
      expect(unknown.status).toBe(400);
      expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain('Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm');
    });

    it('an unsupported audio format is a 400 naming the supported ones; a missing file too', async () => {
      const err = await client.audio.transcriptions.create({ model: 'sim/whisper', file: await toFile(Buffer.from('hello'), 'notes.txt') }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect((err as ApiError).message).toContain("Unsupported audio format '.txt'. Supported formats: flac, m4a, mp3, mp4, mpeg, mpga, oga, ogg, wav, webm.");
      expect((err as ApiError).param).toBe('file');
      const form = new FormData();
      form.set('model', 'sim/whisper');
      const missing = await fetch(`${stack.baseURL}/audio/transcriptions`, { method: 'POST', headers: { authorization: `Bearer ${key}` }, body: form });
      expect(missing.status).toBe(400);
      expect(await missing.json()).toMatchObject({ error: { param: 'file', type: 'invalid_request_error' } });
    });

    it('audio.speech.create: a WAV whose length follows the text, billed per character', async () => {
      const input = 'Hello from the gateway.';
      const { result, event } = await metered((headers) => client.audio.speech.create({ model: 'sim/speech', voice: 'alloy', input, response_format: 'wav' }, { headers }));
      expect(result.headers.get('content-type')).toBe('audio/wav');
      expect(Number(result.headers.get('x-gatewayz-cost-usd'))).toBeCloseTo(0.000345, 9);
      const wav = parseWav(new Uint8Array(await result.arrayBuffer()));
      expect(wav).toMatchObject({ sampleRate: 24_000, channels: 1, durationMs: input.length * 60 });
      expect(event.costMicros).toBe(345n); // 23 characters × $15/M
      const mp3 = await client.audio.speech.create({ model: 'sim/speech', voice: 'alloy', input }).catch((e: unknown) => e);
      expect(mp3).toBeInstanceOf(OpenAI.BadRequestError);
      expect((mp3 as ApiError).param).toBe('response_format');
    });

    it('a model asked of the wrong endpoint is a 400 that names the right one', async () => {
      const chat = await client.embeddings.create({ model: 'sim/echo', input: 'x' }).catch((e: unknown) => e);
      expect(chat).toBeInstanceOf(OpenAI.BadRequestError);
      expect((chat as ApiError).message).toContain('use POST /v1/chat/completions');
      const image = await client.chat.completions.create({ model: 'sim/image', messages: [{ role: 'user', content: 'x' }] }).catch((e: unknown) => e);
      expect((image as ApiError).message).toContain('use POST /v1/images/generations');
    });

    it('bad input is a 400 naming the parameter; no key is a 401', async () => {
      const noPrompt = await fetch(`${stack.baseURL}/images/generations`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'sim/image', n: 2 }),
      });
      expect(noPrompt.status).toBe(400);
      expect(await noPrompt.json()).toMatchObject({ error: { param: 'prompt', message: "Invalid 'prompt': is required." } });
      const anonymous = await fetch(`${stack.baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'sim/embed', input: 'x' }) });
      expect(anonymous.status).toBe(401);
    });
  });

  it('GET /v1/models lists media models with their modality and unit prices', async () => {
    const get = async (id: string) => (await (await fetch(`${stack.baseURL}/models/${id}`)).json()) as { modality: string; pricing: Record<string, string> };
    expect(await get('openai/whisper-1')).toMatchObject({ modality: 'audio->text', pricing: { audio_second: '0.0001' } });
    expect(await get('openai/dall-e-3')).toMatchObject({ modality: 'text->image', pricing: { image: '0.04' } });
    expect(await get('openai/tts-1')).toMatchObject({ modality: 'text->audio', pricing: { character: '0.000015' } });
    expect(await get('openai/text-embedding-3-small')).toMatchObject({ modality: 'text->embedding', pricing: { prompt: '0.00000002' } });
    expect((await get('sim/echo')).modality).toBe('text->text');
  });

  describe('to an OpenAI upstream', () => {
    it('embeddings: native model, base64 asked upstream when the client wants base64, vectors exact', async () => {
      const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'] });
      const up = upstream.requests[0]!;
      expect(up.path).toBe('/embeddings');
      expect(up.headers.authorization).toBe('Bearer sk-gateway-openai');
      expect(up.body).toEqual({ model: 'text-embedding-3-small', input: ['alpha', 'beta gamma'], encoding_format: 'base64' });
      expect(res.model).toBe('openai/text-embedding-3-small');
      expect(res.data.map((d) => d.embedding)).toEqual([Array.from(new Float32Array(fakeVector('alpha'))), Array.from(new Float32Array(fakeVector('beta gamma')))]);
      expect(res.usage).toMatchObject({ prompt_tokens: 3, total_tokens: 3 });
    });

    it('images: dall-e-3 URLs with revised_prompt; b64 for gpt-image-1; billed per image', async () => {
      const { result, event } = await metered((headers) => client.images.generate({ model: 'dall-e-3', prompt: 'a red fox', size: '1024x1024', quality: 'hd' }, { headers }));
      expect(upstream.requests[0]!.body).toEqual({ model: 'dall-e-3', prompt: 'a red fox', size: '1024x1024', quality: 'hd' });
      expect(result.data).toEqual([{ url: 'https://images.fake.test/img-0.png', revised_prompt: 'A detailed rendering of: a red fox' }]);
      expect(event).toMatchObject({ model: 'openai/dall-e-3', provider: 'openai', nativeModel: 'dall-e-3' });
      expect(event.costMicros).toBe(40_000n);
      const gptImage = await client.images.generate({ model: 'gpt-image-1', prompt: 'a blue fox', n: 2 });
      expect(gptImage.data?.map((d) => d.b64_json)).toEqual([FAKE_PNG_BASE64, FAKE_PNG_BASE64]);
      expect((gptImage as WithCost).usage?.cost).toBe(0.084);
    });

    it('transcriptions: the file is uploaded multipart with the parameters; billed by the reported duration', async () => {
      const { result, event } = await metered(async (headers) =>
        client.audio.transcriptions.create(
          { model: 'whisper-1', file: await toFile(WAV, 'standup.wav'), language: 'en', temperature: 0.2, prompt: 'Standup notes' },
          { headers },
        ),
      );
      const up = upstream.requests[0]!;
      expect(up.path).toBe('/audio/transcriptions');
      expect(up.fields).toEqual({ model: 'whisper-1', language: 'en', temperature: '0.2', prompt: 'Standup notes' });
      expect(up.file).toMatchObject({ filename: 'standup.wav', contentType: 'audio/wav' });
      expect(up.file!.data.equals(WAV)).toBe(true);
      expect(result.text).toBe(`Fake transcript of standup.wav (${WAV.length} bytes).`);
      expect(event.costMicros).toBe(300n); // the provider reports 3 s × $0.0001/s
      const verbose = await client.audio.transcriptions.create({ model: 'whisper-1', file: await toFile(WAV, 'a.mp3'), response_format: 'verbose_json', timestamp_granularities: ['segment'] });
      expect(upstream.requests[1]!.fields).toMatchObject({ response_format: 'verbose_json', timestamp_granularities: ['segment'] });
      expect(upstream.requests[1]!.file!.contentType).toBe('audio/mpeg');
      expect(verbose.duration).toBe(2.5);
    });

    it('speech: the audio bytes and type of the upstream, billed per character', async () => {
      const res = await client.audio.speech.create({ model: 'tts-1', voice: 'nova', input: 'Twelve chars', response_format: 'mp3', speed: 1.25 });
      expect(upstream.requests[0]!.body).toEqual({ model: 'tts-1', voice: 'nova', input: 'Twelve chars', response_format: 'mp3', speed: 1.25 });
      expect(res.headers.get('content-type')).toBe('audio/mpeg');
      expect(Buffer.from(await res.arrayBuffer())).toEqual(fakeSpeechBytes('mp3'));
      expect(res.headers.get('x-gatewayz-cost-usd')).toBe('0.00018'); // 12 × $15/M
    });

    it('upstream errors: a 400 comes back as is; a 5xx is a 502; a 429 keeps its retry-after', async () => {
      upstream.enqueue({ kind: 'status', status: 400, message: "Invalid 'dimensions': too many.", param: 'dimensions' });
      const bad = await client.embeddings.create({ model: 'text-embedding-3-small', input: 'x', dimensions: 99_999 }).catch((e: unknown) => e);
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
      expect((bad as ApiError).param).toBe('dimensions');

      upstream.enqueue({ kind: 'status', status: 503, message: 'overloaded' });
      const { result: down, event } = await metered((headers) => client.images.generate({ model: 'dall-e-3', prompt: 'x' }, { headers }).catch((e: unknown) => e));
      expect((down as ApiError).status).toBe(502);
      expect(event).toMatchObject({ status: RequestStatus.FAILED, costMicros: 0n });

      upstream.enqueue({ kind: 'status', status: 429, headers: { 'retry-after': '7' } });
      const limited = await client.audio.speech.create({ model: 'tts-1', voice: 'alloy', input: 'x' }).catch((e: unknown) => e);
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
      expect((limited as ApiError).headers?.get('retry-after')).toBe('7');
    });
  });
});
