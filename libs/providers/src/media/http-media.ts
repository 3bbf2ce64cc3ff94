import { ProviderError } from '@gatewayz/errors';
import { malformed, type ErrorDetail } from '../http-chat';
import { httpError, transportError, type HttpTransport, type UpstreamRequest } from '../transport/http';

/** Largest media answer accepted from an upstream (images as base64, audio). */
export const MAX_MEDIA_RESPONSE_BYTES = 64 * 1024 * 1024;

export interface MediaHttpResponse {
  bytes: Buffer;
  contentType: string;
  headers: Record<string, string | string[] | undefined>;
}

type ExtractError = (body: unknown, text: string) => ErrorDetail;

async function readBytes(body: AsyncIterable<Uint8Array | Buffer>, limit: number, provider: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    if (size > limit) {
      throw new ProviderError({
        provider,
        upstreamStatus: 200,
        code: 'upstream_response_too_large',
        message: `Provider ${provider} answered with more than ${limit} bytes.`,
        status: 502,
      });
    }
    parts.push(buf);
  }
  return Buffer.concat(parts, size);
}

/**
 * One media request upstream: POST, map an error status to a ProviderError (so the caller may
 * fail over), read the whole answer (bounded). The one place media adapters do HTTP.
 */
export async function postMedia(transport: HttpTransport, req: UpstreamRequest, extractError: ExtractError): Promise<MediaHttpResponse> {
  const res = await transport.post(req);
  if (res.status >= 400) throw await httpError(req.provider, res, extractError);
  try {
    const bytes = await readBytes(res.body, MAX_MEDIA_RESPONSE_BYTES, req.provider);
    const type = res.headers['content-type'];
    return { bytes, contentType: (Array.isArray(type) ? type[0] : type) ?? '', headers: res.headers };
  } catch (err) {
    if (!res.body.destroyed) res.body.destroy();
    if (err instanceof ProviderError) throw err;
    throw transportError(req.provider, err, req.signal);
  }
}

/** The answer as JSON, or a malformed-response error. */
export function jsonOf(res: MediaHttpResponse, provider: string): unknown {
  try {
    return JSON.parse(res.bytes.toString('utf8'));
  } catch {
    throw malformed(provider, 'response body is not JSON');
  }
}

/** Runs a pure response parser; a shape it trips over is a malformed response. */
export function parseWith<T>(provider: string, parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof ProviderError) throw err;
    throw malformed(provider, 'the response has an unexpected shape');
  }
}
