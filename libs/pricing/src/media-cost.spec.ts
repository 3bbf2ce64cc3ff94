import { mediaCostMicros, type MediaPrice, type MediaUnits } from './media-cost';

const none: MediaUnits = { inputTokens: 0, outputTokens: 0, images: 0, audioMs: 0, characters: 0 };
const free: MediaPrice = { promptPerMtok: 0n, completionPerMtok: 0n, perImage: null, perAudioSecond: null, perMillionChars: null, perRequest: null };

describe('mediaCostMicros', () => {
  it('embeddings: input tokens × price per million (text-embedding-3-small, $0.02/M)', () => {
    // 1,000,000 tokens → $0.02 = 20,000 µ$; 1,000 tokens → 20 µ$
    expect(mediaCostMicros({ ...none, inputTokens: 1_000 }, { ...free, promptPerMtok: 20_000n })).toBe(20n);
  });

  it('images: count × price per image (dall-e-3, $0.04)', () => {
    expect(mediaCostMicros({ ...none, images: 3 }, { ...free, perImage: 40_000n })).toBe(120_000n);
  });

  it('transcription: audio seconds × price per second, by the millisecond (whisper-1, $0.006/min)', () => {
    const whisper = { ...free, perAudioSecond: 100n };
    expect(mediaCostMicros({ ...none, audioMs: 60_000 }, whisper)).toBe(6_000n);
    // 1.5 s → 150 µ$; 1 ms → 0.1 µ$ → rounds up to 1 µ$, never free
    expect(mediaCostMicros({ ...none, audioMs: 1_500 }, whisper)).toBe(150n);
    expect(mediaCostMicros({ ...none, audioMs: 1 }, whisper)).toBe(1n);
  });

  it('speech: characters × price per million characters (tts-1, $15/M)', () => {
    // 1,000 characters → $0.015 = 15,000 µ$; 7 characters → 105 µ$
    const tts = { ...free, perMillionChars: 15_000_000n };
    expect(mediaCostMicros({ ...none, characters: 1_000 }, tts)).toBe(15_000n);
    expect(mediaCostMicros({ ...none, characters: 7 }, tts)).toBe(105n);
  });

  it('rounds once over all units and adds the per-request fee', () => {
    // 1 token × 0.02 µ$ + 1 ms × 0.1 µ$ = 0.12 µ$ → 1 µ$, + 5 µ$ per request
    const price = { ...free, promptPerMtok: 20_000n, perAudioSecond: 100n, perRequest: 5n };
    expect(mediaCostMicros({ ...none, inputTokens: 1, audioMs: 1 }, price)).toBe(6n);
    expect(mediaCostMicros(none, free)).toBe(0n);
  });

  it('refuses nonsense counts', () => {
    expect(() => mediaCostMicros({ ...none, images: -1 }, free)).toThrow();
    expect(() => mediaCostMicros({ ...none, audioMs: 1.5 }, free)).toThrow();
  });
});
