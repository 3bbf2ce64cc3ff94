import { ProviderError } from '@gatewayz/errors';
import type { AdapterEvent, AdapterHooks, ChatCall, NormalizedChunk, NormalizedUsage, ProviderAdapter, UpstreamMeta } from './contract';
import { SseParser, type SseEvent } from './sse/sse-parser';
import { httpError, readBounded, transportError, type HttpTransport } from './transport/http';

/** Per-request stream state of one provider family. */
export interface StreamTranslator {
  /** Translates one SSE event; throws a ProviderError for an in-stream error or malformed data. */
  push(event: SseEvent): NormalizedChunk[];
  /** After the body ended: usage, upstream metadata, and whether a terminal event was seen. */
  result(): { usage: NormalizedUsage | undefined; meta: UpstreamMeta; finished: boolean };
}

export interface ErrorDetail {
  message?: string;
  type?: string;
  code?: string;
  param?: string;
}

/** What an HTTP provider family implements: pure translations, no I/O. */
export interface HttpChatTranslator {
  buildRequest(call: ChatCall): { url: string; headers: Record<string, string>; body: unknown };
  parseResponse(body: unknown, provider: string): { chunk: NormalizedChunk; usage: NormalizedUsage | undefined; meta: UpstreamMeta };
  createStreamTranslator(provider: string, hooks: AdapterHooks): StreamTranslator;
  extractError(body: unknown, text: string): ErrorDetail;
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

/** A translator that trips over an event of an unexpected shape reports a malformed response. */
function translate(stream: StreamTranslator, event: SseEvent, provider: string): NormalizedChunk[] {
  try {
    return stream.push(event);
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw malformed(provider, 'a stream event has an unexpected shape');
  }
}

/** Runs an HTTP translator over the shared transport: the one place that does upstream I/O. */
export function httpChatAdapter(kind: string, translator: HttpChatTranslator, transport: HttpTransport, hooks: AdapterHooks): ProviderAdapter {
  return {
    kind,
    async *chat(call: ChatCall): AsyncIterable<AdapterEvent> {
      const provider = call.target.provider;
      const built = translator.buildRequest(call);
      const res = await transport.post({
        provider,
        url: built.url,
        headers: built.headers,
        body: JSON.stringify(built.body),
        signal: call.signal,
      });
      if (res.status >= 400) throw await httpError(provider, res, translator.extractError);
      let consumed = false;
      try {
        if (!call.stream) {
          let text: string;
          try {
            text = await readBounded(res.body, MAX_RESPONSE_BYTES);
          } catch (err) {
            throw transportError(provider, err, call.signal);
          }
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            throw malformed(provider, 'response body is not JSON');
          }
          let parsed: ReturnType<HttpChatTranslator['parseResponse']>;
          try {
            parsed = translator.parseResponse(json, provider);
          } catch (err) {
            if (err instanceof ProviderError) throw err;
            throw malformed(provider, 'the response has an unexpected shape');
          }
          const { chunk, usage, meta } = parsed;
          consumed = true;
          yield { type: 'chunk', chunk };
          yield { type: 'end', usage, meta };
          return;
        }
        const parser = new SseParser();
        const stream = translator.createStreamTranslator(provider, hooks);
        try {
          for await (const bytes of res.body) {
            for (const event of parser.push(bytes as Uint8Array)) {
              for (const chunk of translate(stream, event, provider)) yield { type: 'chunk', chunk };
            }
          }
          for (const event of parser.end()) {
            for (const chunk of translate(stream, event, provider)) yield { type: 'chunk', chunk };
          }
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
