import { GatewayError } from './gateway-error';

/** Named constructors for the errors the gateway raises itself. */
export const errors = {
  invalidRequest: (message: string, param: string | null = null, code = 'invalid_request') =>
    new GatewayError({ code, message, status: 400, param }),
  invalidJson: (message: string) => new GatewayError({ code: 'invalid_json', message, status: 400 }),
  payloadTooLarge: (limitBytes: number) =>
    new GatewayError({
      code: 'request_too_large',
      message: `Request body is larger than the limit of ${limitBytes} bytes.`,
      status: 413,
    }),
  unsupportedMediaType: (message: string) =>
    new GatewayError({ code: 'unsupported_media_type', message, status: 415 }),
  unauthorized: (message: string, code = 'invalid_api_key') =>
    new GatewayError({ code, message, status: 401 }),
  forbidden: (message: string, code = 'forbidden') => new GatewayError({ code, message, status: 403 }),
  notFound: (message: string, code = 'not_found') => new GatewayError({ code, message, status: 404 }),
  modelNotFound: (model: string) =>
    new GatewayError({
      code: 'model_not_found',
      message: `The model '${truncate(model, 200)}' does not exist or is not available. GET /v1/models lists the available models.`,
      status: 404,
      param: 'model',
    }),
  routeNotFound: (method: string, path: string) =>
    new GatewayError({
      code: 'unknown_route',
      message: `No route for ${method} ${truncate(path, 200)}.`,
      status: 404,
    }),
  methodNotAllowed: (method: string, path: string) =>
    new GatewayError({ code: 'method_not_allowed', message: `${method} is not allowed on ${truncate(path, 200)}.`, status: 405 }),
  noProviderAvailable: (model: string) =>
    new GatewayError({
      code: 'no_provider_available',
      message: `No configured provider can serve '${model}' right now.`,
      status: 503,
    }),
  upstreamUnavailable: (message: string) =>
    new GatewayError({ code: 'upstream_unavailable', message, status: 502 }),
  timeout: (message: string) => new GatewayError({ code: 'timeout', message, status: 504 }),
  serviceUnavailable: (message: string, code = 'service_unavailable') =>
    new GatewayError({ code, message, status: 503 }),
  internal: (cause?: unknown) =>
    new GatewayError({
      code: 'internal_error',
      message: 'The gateway hit an internal error. Retrying may help; the request id identifies it to support.',
      status: 500,
      cause,
    }),
};

export function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
