import type { NextFunction, Request, Response } from 'express';
import { errors, toAnthropicError, toGatewayError, toOpenAIError, type GatewayError } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';

/** Which error shape a path answers in: Anthropic's on /v1/messages, OpenAI's elsewhere. */
export function errorFormatFor(path: string): 'anthropic' | 'openai' {
  return path.startsWith('/v1/messages') ? 'anthropic' : 'openai';
}

export function sendError(req: Request, res: Response, err: GatewayError): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
  const status = err.status === 499 ? 400 : err.status;
  const body = errorFormatFor(req.path) === 'anthropic' ? toAnthropicError(err) : toOpenAIError(err);
  res.status(status).json(body);
}

/** Express error middleware: the one place errors become responses. No stack, no path, ever. */
export function errorHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const gwErr = toGatewayError(err);
    if (gwErr.code === 'internal_error') logger.error('unhandled error', { err: err instanceof Error ? { name: err.name, message: err.message, stack: err.stack } : err, path: req.path });
    sendError(req, res, gwErr);
  };
}

export function notFoundHandler() {
  return (req: Request, _res: Response, next: NextFunction): void => next(errors.routeNotFound(req.method, req.path));
}
