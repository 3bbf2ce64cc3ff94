import { audioDuration, encodeWav, parseWav } from './wav';

describe('WAV', () => {
  it('round-trips: encodeWav writes a RIFF/WAVE file parseWav reads back', () => {
    const wav = encodeWav(new Int16Array(24_000), 24_000);
    expect(Buffer.from(wav.subarray(0, 4)).toString()).toBe('RIFF');
    expect(parseWav(wav)).toEqual({ sampleRate: 24_000, channels: 1, bitsPerSample: 16, dataBytes: 48_000, durationMs: 1_000 });
  });

  it('skips unknown chunks and trusts the bytes present over a placeholder data size', () => {
    const base = encodeWav(new Int16Array(8_000), 8_000);
    const list = Buffer.concat([Buffer.from('LIST'), Buffer.from([4, 0, 0, 0]), Buffer.from('INFO')]);
    const withList = Buffer.concat([base.subarray(0, 36), list, base.subarray(36)]);
    expect(parseWav(withList)?.durationMs).toBe(1_000);
    const streamed = Buffer.from(base);
    streamed.writeUInt32LE(0xffffffff, 40);
    expect(parseWav(streamed)?.durationMs).toBe(1_000);
  });

  it('is undefined for anything else', () => {
    expect(parseWav(Buffer.from('ID3\u0004 not a wav file'))).toBeUndefined();
    expect(parseWav(new Uint8Array(4))).toBeUndefined();
  });

  it('audioDuration: exact for WAV, else estimated at 128 kbit/s', () => {
    expect(audioDuration(encodeWav(new Int16Array(4_000), 8_000))).toEqual({ ms: 500, estimated: false });
    expect(audioDuration(new Uint8Array(48_000))).toEqual({ ms: 3_000, estimated: true });
  });
});
