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
  private buffer: Uint8Array = new Uint8Array(0);

  /** Lazy: each whole message is decoded as iteration reaches it (a bad one throws there). */
  *push(bytes: Uint8Array): Generator<SseEvent> {
    this.buffer = this.buffer.length === 0 ? bytes : concat(this.buffer, bytes);
    let offset = 0;
    try {
      while (this.buffer.length - offset >= PRELUDE_BYTES) {
        const view = new DataView(this.buffer.buffer, this.buffer.byteOffset + offset, PRELUDE_BYTES);
        const total = view.getUint32(0, false);
        if (total < 16) throw new Error(`event-stream message length ${total} is impossible`);
        if (this.buffer.length - offset < total) break;
        const message = this.codec.decode(this.buffer.subarray(offset, offset + total));
        offset += total;
        yield toEvent(message.headers, message.body);
      }
    } finally {
      // Keep only the incomplete tail (copied: the caller may reuse its chunk).
      this.buffer = offset >= this.buffer.length ? new Uint8Array(0) : this.buffer.slice(offset);
    }
  }

  end(): SseEvent[] {
    if (this.buffer.length > 0) throw new Error('event stream ended inside a message');
    return [];
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
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
