import { Metadata, status as GrpcStatus, type ServiceError, type StatusObject } from '@grpc/grpc-js';
import { GatewayError, errors, type ErrorType } from '@gatewayz/errors';

/**
 * GatewayError ↔ gRPC status. The gRPC code is chosen for interoperability (grpcurl, Envoy);
 * the exact gateway error travels in trailing metadata so the edge answers exactly what the
 * service raised.
 */
const MD = {
  code: 'gw-error-code',
  status: 'gw-http-status',
  type: 'gw-error-type',
  param: 'gw-error-param',
  details: 'gw-error-details',
  headers: 'gw-error-headers',
} as const;

export function grpcCodeForHttpStatus(httpStatus: number): GrpcStatus {
  switch (httpStatus) {
    case 400:
    case 413:
    case 415:
    case 422:
      return GrpcStatus.INVALID_ARGUMENT;
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 402:
      return GrpcStatus.FAILED_PRECONDITION;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.NOT_FOUND;
    case 409:
      return GrpcStatus.ALREADY_EXISTS;
    case 429:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 499:
      return GrpcStatus.CANCELLED;
    case 501:
      return GrpcStatus.UNIMPLEMENTED;
    case 502:
    case 503:
      return GrpcStatus.UNAVAILABLE;
    case 504:
      return GrpcStatus.DEADLINE_EXCEEDED;
    default:
      return httpStatus >= 500 ? GrpcStatus.INTERNAL : GrpcStatus.FAILED_PRECONDITION;
  }
}

export function toStatusObject(err: GatewayError): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set(MD.code, err.code);
  metadata.set(MD.status, String(err.status));
  metadata.set(MD.type, err.type);
  if (err.param) metadata.set(MD.param, err.param);
  if (err.details) metadata.set(MD.details, JSON.stringify(err.details));
  if (err.headers) metadata.set(MD.headers, JSON.stringify(err.headers));
  return { code: grpcCodeForHttpStatus(err.status), details: err.message, metadata };
}

function metaString(md: Metadata | undefined, key: string): string | undefined {
  const v = md?.get(key)[0];
  return typeof v === 'string' ? v : v === undefined ? undefined : v.toString('utf8');
}

function parseJson(text: string | undefined): Record<string, never> | undefined {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as Record<string, never>;
  } catch {
    return undefined;
  }
}

/** Rebuilds the GatewayError a peer raised, or classifies a transport failure. */
export function fromServiceError(err: Partial<ServiceError>, peer: string): GatewayError {
  const code = metaString(err.metadata, MD.code);
  if (code) {
    return new GatewayError({
      code,
      message: err.details ?? 'error',
      status: Number(metaString(err.metadata, MD.status) ?? 500),
      type: metaString(err.metadata, MD.type) as ErrorType | undefined,
      param: metaString(err.metadata, MD.param) ?? null,
      details: parseJson(metaString(err.metadata, MD.details)),
      headers: parseJson(metaString(err.metadata, MD.headers)),
    });
  }
  switch (err.code) {
    case GrpcStatus.DEADLINE_EXCEEDED:
      return errors.timeout(`The request did not finish within its deadline (${peer}).`);
    case GrpcStatus.CANCELLED:
      return new GatewayError({ code: 'cancelled', message: 'The request was cancelled.', status: 499, type: 'api_error' });
    case GrpcStatus.UNAVAILABLE:
      return errors.serviceUnavailable(`An internal service (${peer}) is unavailable; try again shortly.`, 'dependency_unavailable');
    case GrpcStatus.RESOURCE_EXHAUSTED:
      return new GatewayError({ code: 'internal_limit', message: `An internal service (${peer}) is overloaded.`, status: 503 });
    default:
      return errors.internal(err);
  }
}
