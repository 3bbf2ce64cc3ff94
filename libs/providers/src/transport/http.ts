import { Agent, request, type Dispatcher } from 'undici';
import { ProviderError } from '@gatewayz/errors';
import { redactString } from '@gatewayz/logger';
import { parseRetryAfter } from './retry-after';

/**
 * HTTP to upstreams through one keep-alive undici Agent per process (a connection pool per
 * origin). Timeouts: connect, first byte (headers), and idle between body chunks (a stalled
 * stream). Every failure becomes a ProviderError carrying the upstream status (0 when no
 * response arrived), so the failover policy has one type to look at.
 */
export interface TransportOptions {
  connectTimeoutMs: number;
  /** Until the response headers arrive. */
  headersTimeoutMs: number;
  /** Longest silence between two body chunks. */
  idleTimeoutMs: number;
  connectionsPerOrigin?: number;
}

export interface UpstreamRequest {
  provider: string;
  url: string;
  headers: Record<string, string>;
  /** JSON text, or raw bytes (multipart uploads). */
  body: string | Uint8Array;
  signal: AbortSignal;
}

export interface UpstreamResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Dispatcher.ResponseData['body'];
}

export class HttpTransport {
  private readonly agent: Agent;

  constructor(readonly options: TransportOptions) {
    this.agent = new Agent({
      connect: { timeout: options.connectTimeoutMs },
      headersTimeout: options.headersTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
      keepAliveTimeout: 30_000,
      connections: options.connectionsPerOrigin ?? 256,
      pipelining: 1,
    });
  }

  async post(req: UpstreamRequest): Promise<UpstreamResponse> {
    try {
      const res = await request(req.url, {
        method: 'POST',
        headers: req.headers,
        body: req.body,
        signal: req.signal,
        dispatcher: this.agent,
      });
      return { status: res.statusCode, headers: res.headers, body: res.body };
    } catch (err) {
      throw transportError(req.provider, err, req.signal);
    }
  }

  close(): Promise<void> {
    return this.agent.close();
  }
}

const CODE_MESSAGES: Record<string, [string, number]> = {
  UND_ERR_CONNECT_TIMEOUT: ['connect timeout', 504],
  UND_ERR_HEADERS_TIMEOUT: ['no response before the first-byte timeout', 504],
  UND_ERR_BODY_TIMEOUT: ['stream stalled past the idle timeout', 504],
  UND_ERR_SOCKET: ['connection closed by the provider', 502],
  ECONNREFUSED: ['connection refused', 502],
  ECONNRESET: ['connection reset', 502],
  ENOTFOUND: ['host not found', 502],
  EAI_AGAIN: ['DNS lookup failed', 502],
  EHOSTUNREACH: ['host unreachable', 502],
  ETIMEDOUT: ['connection timed out', 504],
  EPIPE: ['connection broken', 502],
};

/** Classifies a network-level failure (no HTTP status) as a ProviderError. */
export function transportError(provider: string, err: unknown, signal?: AbortSignal): ProviderError {
  if (signal?.aborted) {
    return new ProviderError({ provider, upstreamStatus: 0, code: 'cancelled', message: 'The request was cancelled.', status: 499, cause: err });
  }
  const e = err as { code?: string; cause?: { code?: string } } | undefined;
  const code = e?.code ?? e?.cause?.code ?? '';
  const known = CODE_MESSAGES[code];
  const what = known?.[0] ?? 'network error';
  return new ProviderError({
    provider,
    upstreamStatus: 0,
    code: known?.[1] === 504 ? 'upstream_timeout' : 'upstream_unreachable',
    message: `Provider ${provider}: ${what}.`,
    status: known?.[1] ?? 502,
    cause: err,
  });
}

/** Reads an error body (bounded) and builds the ProviderError for an HTTP error status. */
export async function httpError(
  provider: string,
  res: UpstreamResponse,
  extract: (body: unknown, text: string) => { message?: string; type?: string; code?: string; param?: string; retryAfterMs?: number },
): Promise<ProviderError> {
  const text = await readBounded(res.body, 64 * 1024).catch(() => '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  const detail = extract(parsed, text);
  const upstreamMessage = detail.message ? redactString(detail.message).slice(0, 1000) : undefined;
  const status = res.status;
  const userError = status === 400 || status === 413 || status === 422;
  return new ProviderError({
    provider,
    upstreamStatus: status,
    retryAfterMs: parseRetryAfter(res.headers) ?? detail.retryAfterMs,
    // A user error comes back as is: the provider's own message, status and param.
    status: userError ? (status === 422 ? 400 : status) : status === 429 ? 429 : 502,
    code: userError ? (detail.code ?? 'invalid_request') : status === 429 ? 'upstream_rate_limited' : 'upstream_error',
    param: userError ? (detail.param ?? null) : null,
    message: userError
      ? (upstreamMessage ?? `The provider rejected the request (${status}).`)
      : status === 401 || status === 403
        ? // Never relay an upstream credential complaint: it concerns the gateway's key, not the user's.
          `Provider ${provider} refused the gateway's credentials (${status}).`
        : `Provider ${provider} answered ${status}${upstreamMessage ? `: ${upstreamMessage}` : '.'}`,
  });
}

export async function readBounded(body: AsyncIterable<Uint8Array | Buffer>, limit: number): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    size += buf.length;
    if (size > limit) {
      parts.push(buf.subarray(0, buf.length - (size - limit)));
      break;
    }
    parts.push(buf);
  }
  return Buffer.concat(parts).toString('utf8');
}
