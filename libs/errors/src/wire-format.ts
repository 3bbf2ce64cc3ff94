import { GatewayError, isGatewayError } from './gateway-error';
import { errors } from './factories';

/** OpenAI's error body: `{"error":{"message","type","param","code"}}`. */
export interface OpenAIErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null } & Record<string, unknown>;
}

/** Anthropic's error body: `{"type":"error","error":{"type","message"}}`. */
export interface AnthropicErrorBody {
  type: 'error';
  error: { type: string; message: string };
}

export function toGatewayError(err: unknown): GatewayError {
  return isGatewayError(err) ? err : errors.internal(err);
}

export function toOpenAIError(err: GatewayError): OpenAIErrorBody {
  return {
    error: {
      ...err.details,
      message: err.message,
      type: err.type,
      param: err.param,
      code: err.code,
    },
  };
}

/** Anthropic's status → error type table (docs: "Errors"). */
export function anthropicErrorType(status: number): string {
  switch (status) {
    case 400:
    case 405:
    case 409:
    case 415:
    case 422:
      return 'invalid_request_error';
    case 401:
      return 'authentication_error';
    case 402:
      return 'billing_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 503:
    case 529:
      return 'overloaded_error';
    default:
      return 'api_error';
  }
}

export function toAnthropicError(err: GatewayError): AnthropicErrorBody {
  return { type: 'error', error: { type: anthropicErrorType(err.status), message: err.message } };
}
