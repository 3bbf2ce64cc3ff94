import { EventStreamCodec } from '@smithy/eventstream-codec';
import { fromUtf8, toUtf8 } from '@smithy/util-utf8';
import type { FrameDecoder } from '../http-chat';
import type { SseEvent } from '../sse/sse-parser';

/**
 * AWS event-stream framing (application/vnd.amazon.eventstream), as Bedrock's ConverseStream
 * sends it: each message is a 4-byte total length, headers and a JSON payload, with CRCs that
 * @smithy/eventstream-codec checks (a mismatch throws: a malformed stream). Messages may be split
 * or coalesced across network chunks; this buffers until one is whole.
 *
 * Each message becomes an event: `event` is its `:event-type` (messageStart, contentBlockDelta,
 * ...), or `exception:<:exception-type>` for an exception message; `data` is the payload text.
 */
const PRELUDE_BYTES = 4;

export class EventStreamDecoder implements FrameDecoder {
  private readonly codec = new EventStreamCodec(toUtf8, fromUtf8);
  private buffer = new Uint8Array(0);

  /** Lazy: each whole message is decoded as iteration reaches it (a bad one throws there). */
  *push(bytes: Uint8Array): Generator<SseEvent> {
    const joined = new Uint8Array(this.buffer.length + bytes.length);
    joined.set(this.buffer);
    joined.set(bytes, this.buffer.length);
    this.buffer = joined;
    while (this.buffer.length >= PRELUDE_BYTES) {
      const total = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength).getUint32(0, false);
      if (total < 16) throw new Error(`event-stream message length ${total} is impossible`);
      if (this.buffer.length < total) return;
      const message = this.codec.decode(this.buffer.subarray(0, total));
      this.buffer = this.buffer.slice(total);
      yield toEvent(message.headers, message.body);
    }
  }

  end(): SseEvent[] {
    if (this.buffer.length > 0) throw new Error('event stream ended inside a message');
    return [];
  }
}

function header(headers: Record<string, { type: string; value: unknown }>, name: string): string | undefined {
  const h = headers[name];
  return h && h.type === 'string' ? String(h.value) : undefined;
}

function toEvent(headers: Record<string, { type: string; value: unknown }>, body: Uint8Array): SseEvent {
  const kind = header(headers, ':message-type') ?? 'event';
  const name = kind === 'event' ? (header(headers, ':event-type') ?? 'unknown') : `${kind}:${header(headers, ':exception-type') ?? header(headers, ':error-code') ?? 'unknown'}`;
  return { event: name, data: toUtf8(body), id: undefined };
}
