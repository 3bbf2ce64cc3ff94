import { inflateSync } from 'node:zlib';
import type { MediaAdapter, MediaCall } from '../media/contract';
import { encodeWav, parseWav } from '../media/wav';
import { simEmbedding, simMediaAdapter } from './media';

const sim: MediaAdapter = simMediaAdapter({ firstTokenMs: 0, interChunkMs: 0 });

function call<R>(nativeModel: string, request: R): MediaCall<R> {
  return {
    target: { provider: 'sim', adapter: 'sim', nativeModel, baseUrl: 'sim://local' },
    credentials: { apiKey: undefined, baseUrl: 'sim://local' },
    request,
    requestId: 'r',
    signal: new AbortController().signal,
  };
}

describe('sim media', () => {
  it('embed: deterministic unit vectors, one per input, words counted as tokens', async () => {
    const r = await sim.embed!(call('embed', { model: 'sim/embed', input: ['hello world', 'bye'], dimensions: 16 }));
    const [a, b] = r.response.data!.map((d) => d.values as number[]);
    expect(a).toHaveLength(16);
    expect(Math.hypot(...a!)).toBeCloseTo(1, 5);
    expect(a).toEqual(simEmbedding('hello world', 16));
    expect(a).not.toEqual(b);
    expect(r.usage.inputTokens).toBe(3);
    await expect(sim.embed!(call('nope', { model: 'x', input: 'x' }))).rejects.toMatchObject({ status: 502 });
  });

  it('image: a valid PNG of the requested size, b64 or data URL', async () => {
    const r = await sim.generateImage!(call('image', { model: 'sim/image', prompt: 'otter', n: 2, size: '256x256' as const }));
    expect(r.usage.images).toBe(2);
    const png = Buffer.from(r.response.data![0]!.b64Json!, 'base64');
    expect(png.subarray(1, 4).toString()).toBe('PNG');
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([256, 256]);
    const idatLength = png.readUInt32BE(33);
    expect(inflateSync(png.subarray(41, 41 + idatLength))).toHaveLength(256 * (1 + 256 * 3));
    const url = await sim.generateImage!(call('image', { model: 'sim/image', prompt: 'otter', response_format: 'url' as const }));
    expect(url.response.data![0]!.url).toMatch(/^data:image\/png;base64,iVBOR/);
  });

  it('whisper: describes the WAV it heard, billed by its exact duration, in each response format', async () => {
    const audio = encodeWav(new Int16Array(24_000 * 1.5), 24_000);
    const json = await sim.transcribe!(call('whisper', { params: { model: 'sim/whisper' }, audio, filename: 'a.wav', format: 'wav' as const }));
    expect(json.response.text).toBe('Simulated transcript of 1.50 seconds of 24000 Hz mono WAV audio.');
    expect(json.usage).toMatchObject({ audioMs: 1_500, estimated: false });
    expect(JSON.parse(Buffer.from(json.response.body as Uint8Array).toString())).toEqual({ text: json.response.text, usage: { type: 'duration', seconds: 2 } });
    const srt = await sim.transcribe!(call('whisper', { params: { model: 'm', response_format: 'srt' as const }, audio, filename: 'a.wav', format: 'wav' as const }));
    expect(Buffer.from(srt.response.body as Uint8Array).toString()).toBe(`1\n00:00:00,000 --> 00:00:01,500\n${json.response.text}\n\n`);
    const mp3 = await sim.transcribe!(call('whisper', { params: { model: 'm' }, audio: new Uint8Array(8_000), filename: 'a.mp3', format: 'mp3' as const }));
    expect(mp3.usage).toMatchObject({ audioMs: 500, estimated: true });
  });

  it('speech: a WAV tone whose length follows the text; formats it cannot make are a 400', async () => {
    const r = await sim.speak!(call('speech', { model: 'sim/speech', input: 'Hello there', voice: 'alloy', response_format: 'wav' as const }));
    const info = parseWav(r.response.audio as Uint8Array);
    expect(info).toMatchObject({ sampleRate: 24_000, channels: 1, durationMs: 660 });
    expect(r.response.contentType).toBe('audio/wav');
    expect(r.usage.characters).toBe(11);
    await expect(sim.speak!(call('speech', { model: 'm', input: 'x', voice: 'alloy' }))).rejects.toMatchObject({ status: 400, param: 'response_format' });
  });
});
