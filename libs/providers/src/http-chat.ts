import { ProviderError } from '@gatewayz/errors';
import type { AdapterEvent, AdapterHooks, ChatCall, NormalizedChunk, NormalizedUsage, ProviderAdapter, UpstreamMeta } from './contract';
import { SseParser, type SseEvent } from './sse/sse-parser';
import { httpError, readBounded, transportError, type HttpTransport } from './transport/http';

/** Per-request stream state of one provider family. */
export interface StreamTranslator {
  /** Translates one stream event; throws a ProviderError for an in-stream error or malformed data. */
  push(event: SseEvent): NormalizedChunk[];
  /** After the body ended: usage, upstream metadata, and whether a terminal event was seen. */
  result(): { usage: NormalizedUsage | undefined; meta: UpstreamMeta; finished: boolean };
}

/**
 * Splits a streamed body into events. Server-Sent Events (the shared SseParser) unless a family
 * frames its stream otherwise (AWS event-stream for Bedrock); binary frames are handed to the
 * translator as events too (`event` = the frame's type, `data` = its JSON payload).
 */
export interface FrameDecoder {
  /** May be lazy: a frame that cannot be decoded throws when iteration reaches it, after the good ones before it. */
  push(bytes: Uint8Array): Iterable<SseEvent>;
  end(): Iterable<SseEvent>;
}

export interface ErrorDetail {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
  /** A retry delay stated in the error body (Google's RetryInfo), when no header gives one. */
  retryAfterMs?: number;
}

export interface ParsedResponse {
  chunk: NormalizedChunk;
  usage: NormalizedUsage | undefined;
  meta: UpstreamMeta;
}

/**
 * What buildRequest produces. `context` is whatever the response side must know about how the
 * request was translated (e.g. the tool that emulates response_format); it is created per
 * request, so translators never share state.
 */
export interface BuiltRequest<C> {
  url: string;
  headers: Record<string, string>;
  body: unknown;
  context?: C;
}

/** What an HTTP provider family implements: pure translations, no I/O. */
export interface HttpChatTranslator<C = undefined> {
  buildRequest(call: ChatCall): BuiltRequest<C>;
  parseResponse(body: unknown, provider: string, context: C | undefined): ParsedResponse;
  createStreamTranslator(provider: string, hooks: AdapterHooks, context: C | undefined): StreamTranslator;
  extractError(body: unknown, text: string): ErrorDetail;
  /** How a streamed body is framed; Server-Sent Events when absent. */
  createFrameDecoder?(): FrameDecoder;
}

/** Backend auth, kept apart from translation: headers computed over the serialized request (SigV4, OAuth). */
export interface RequestSigner {
  sign(request: { url: string; headers: Record<string, string>; body: string }, call: ChatCall): Promise<Record<string, string>>;
}

const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;

export function malformed(provider: string, what: string): ProviderError {
  return new ProviderError({
    provider,
    upstreamStatus: 200,
    code: 'upstream_malformed_response',
    message: `Provider ${provider} sent a malformed response (${what}).`,
    status: 502,
  });
}

/** Anything but a ProviderError thrown while reading upstream data means the data was malformed. */
function guarded<T>(provider: string, what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw malformed(provider, what);
  }
}

/**
 * Decodes and translates lazily, so the chunks before an in-stream error or an undecodable
 * frame still reach the client, and the error right after them.
 */
function* translateAll(stream: StreamTranslator, decode: () => Iterable<SseEvent>, provider: string): Generator<NormalizedChunk> {
  const events = guarded(provider, 'an undecodable stream frame', () => decode()[Symbol.iterator]());
  for (;;) {
    const next = guarded(provider, 'an undecodable stream frame', () => events.next());
    if (next.done) return;
    yield* guarded(provider, 'a stream event has an unexpected shape', () => stream.push(next.value));
  }
}

async function readJson(call: ChatCall, body: AsyncIterable<Uint8Array | Buffer>): Promise<unknown> {
  const provider = call.target.provider;
  let text: string;
  try {
    text = await readBounded(body, MAX_RESPONSE_BYTES);
  } catch (err) {
    throw transportError(provider, err, call.signal);
  }
  return guarded(provider, 'response body is not JSON', () => JSON.parse(text) as unknown);
}

/** Runs an HTTP translator over the shared transport: the one place that does upstream I/O. */
export function httpChatAdapter<C>(
  kind: string,
  translator: HttpChatTranslator<C>,
  transport: HttpTransport,
  hooks: AdapterHooks,
  options: { signer?: RequestSigner } = {},
): ProviderAdapter {
  return {
    kind,
    async *chat(call: ChatCall): AsyncIterable<AdapterEvent> {
      const provider = call.target.provider;
      const built = translator.buildRequest(call);
      const body = JSON.stringify(built.body);
      const headers = options.signer ? { ...built.headers, ...(await options.signer.sign({ url: built.url, headers: built.headers, body }, call)) } : built.headers;
      const res = await transport.post({ provider, url: built.url, headers, body, signal: call.signal });
      if (res.status >= 400) throw await httpError(provider, res, translator.extractError);
      let consumed = false;
      try {
        if (!call.stream) {
          const json = await readJson(call, res.body);
          const { chunk, usage, meta } = guarded(provider, 'the response has an unexpected shape', () => translator.parseResponse(json, provider, built.context));
          consumed = true;
          yield { type: 'chunk', chunk };
          yield { type: 'end', usage, meta };
          return;
        }
        const decoder: FrameDecoder = translator.createFrameDecoder?.() ?? new SseParser();
        const stream = translator.createStreamTranslator(provider, hooks, built.context);
        try {
          for await (const bytes of res.body) {
            for (const chunk of translateAll(stream, () => decoder.push(bytes as Uint8Array), provider)) yield { type: 'chunk', chunk };
          }
          for (const chunk of translateAll(stream, () => decoder.end(), provider)) yield { type: 'chunk', chunk };
        } catch (err) {
          if (err instanceof ProviderError) throw err;
          throw transportError(provider, err, call.signal);
        }
        const result = stream.result();
        if (!result.finished) {
          throw new ProviderError({
            provider,
            upstreamStatus: res.status,
            code: 'upstream_stream_truncated',
            message: `Provider ${provider} closed the stream before it was complete.`,
            status: 502,
          });
        }
        consumed = true;
        yield { type: 'end', usage: result.usage, meta: result.meta };
      } finally {
        // Early exit (failover, client gone, error): release the upstream connection.
        if (!consumed && !res.body.destroyed) res.body.destroy();
      }
    },
  };
}
