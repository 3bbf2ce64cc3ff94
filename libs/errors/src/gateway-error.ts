/**
 * One error hierarchy for the whole mesh. A GatewayError carries everything the edge needs to
 * answer the client (status, OpenAI error type, stable code, offending param) and crosses gRPC
 * boundaries unchanged (libs/rpc maps it to and from a gRPC status).
 */
export type ErrorType =
  | 'invalid_request_error'
  | 'authentication_error'
  | 'permission_error'
  | 'not_found_error'
  | 'request_too_large'
  | 'insufficient_credits'
  | 'rate_limit_error'
  | 'api_error'
  | 'upstream_error'
  | 'service_unavailable'
  | 'timeout_error';

export interface GatewayErrorInit {
  code: string;
  message: string;
  status: number;
  type?: ErrorType;
  param?: string | null;
  /** Extra, client-safe fields merged into the error body (e.g. `balance`, `required`). */
  details?: Record<string, unknown>;
  /** Response headers to send with the error (e.g. `Retry-After`). */
  headers?: Record<string, string>;
  cause?: unknown;
}

const TYPE_BY_STATUS: Record<number, ErrorType> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  402: 'insufficient_credits',
  403: 'permission_error',
  404: 'not_found_error',
  408: 'timeout_error',
  409: 'invalid_request_error',
  413: 'request_too_large',
  415: 'invalid_request_error',
  422: 'invalid_request_error',
  429: 'rate_limit_error',
  500: 'api_error',
  502: 'upstream_error',
  503: 'service_unavailable',
  504: 'timeout_error',
};

export function errorTypeForStatus(status: number): ErrorType {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

export class GatewayError extends Error {
  readonly code: string;
  readonly status: number;
  readonly type: ErrorType;
  readonly param: string | null;
  readonly details: Record<string, unknown> | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(init: GatewayErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'GatewayError';
    this.code = init.code;
    this.status = init.status;
    this.type = init.type ?? errorTypeForStatus(init.status);
    this.param = init.param ?? null;
    this.details = init.details;
    this.headers = init.headers;
  }
}

/** An upstream provider answered with an error, or could not be reached. */
export class ProviderError extends GatewayError {
  readonly provider: string;
  /** Upstream HTTP status; 0 when no response arrived (connection error, timeout). */
  readonly upstreamStatus: number;
  /** From the upstream's Retry-After / retry-after-ms headers, when present. */
  readonly retryAfterMs: number | undefined;

  constructor(init: GatewayErrorInit & { provider: string; upstreamStatus: number; retryAfterMs?: number }) {
    super(init);
    this.name = 'ProviderError';
    this.provider = init.provider;
    this.upstreamStatus = init.upstreamStatus;
    this.retryAfterMs = init.retryAfterMs;
  }
}

export function isGatewayError(err: unknown): err is GatewayError {
  return err instanceof GatewayError;
}
