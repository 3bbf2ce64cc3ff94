/**
 * WAV (RIFF, PCM) reading and writing: enough to know how long a WAV recording is (billing by
 * the second without trusting the client) and to produce one (the simulator's speech).
 */
export interface WavInfo {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Bytes of sample data. */
  dataBytes: number;
  durationMs: number;
}

function tag(buf: Uint8Array, at: number): string {
  return String.fromCharCode(buf[at]!, buf[at + 1]!, buf[at + 2]!, buf[at + 3]!);
}

/** The format and duration of a RIFF/WAVE file, or undefined when it is not one. */
export function parseWav(bytes: Uint8Array): WavInfo | undefined {
  if (bytes.length < 12 || tag(bytes, 0) !== 'RIFF' || tag(bytes, 8) !== 'WAVE') return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let fmt: { channels: number; sampleRate: number; byteRate: number; bitsPerSample: number } | undefined;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = tag(bytes, at);
    const size = view.getUint32(at + 4, true);
    const body = at + 8;
    if (id === 'fmt ' && body + 16 <= bytes.length) {
      fmt = {
        channels: view.getUint16(body + 2, true),
        sampleRate: view.getUint32(body + 4, true),
        byteRate: view.getUint32(body + 8, true),
        bitsPerSample: view.getUint16(body + 14, true),
      };
    } else if (id === 'data' && fmt && fmt.byteRate > 0) {
      // A streamed WAV may declare a placeholder size: trust what is actually there.
      const dataBytes = Math.min(size, bytes.length - body);
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bitsPerSample,
        dataBytes,
        durationMs: Math.round((dataBytes * 1000) / fmt.byteRate),
      };
    }
    at = body + size + (size % 2);
  }
  return undefined;
}

/** A 16-bit PCM WAV file of the given mono samples. */
export function encodeWav(samples: Int16Array, sampleRate: number): Uint8Array {
  const dataBytes = samples.length * 2;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const write = (at: number, text: string) => {
    for (let i = 0; i < text.length; i++) out[at + i] = text.charCodeAt(i);
  };
  write(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  write(8, 'WAVE');
  write(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true); // PCM
  view.setUint16(22, 1, true); // mono
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * 2, true);
  view.setUint16(32, 2, true);
  view.setUint16(34, 16, true);
  write(36, 'data');
  view.setUint32(40, dataBytes, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + i * 2, samples[i]!, true);
  return out;
}

/** Compressed audio at 128 kbit/s: what an estimate assumes when a duration cannot be read. */
export const ESTIMATE_BYTES_PER_SECOND = 16_000;

/**
 * How long a recording lasts: exactly for WAV, else estimated from its size (flagged, so the
 * provider's own figure is preferred whenever it reports one).
 */
export function audioDuration(bytes: Uint8Array): { ms: number; estimated: boolean } {
  const wav = parseWav(bytes);
  if (wav) return { ms: wav.durationMs, estimated: false };
  return { ms: Math.max(1, Math.round((bytes.length * 1000) / ESTIMATE_BYTES_PER_SECOND)), estimated: true };
}
