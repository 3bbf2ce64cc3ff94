import type { NextFunction, Request, Response } from 'express';
import { currentRequestContext } from '@gatewayz/logger';
import { presentedKey, type ApiKeyAuthenticator, type AuthContext } from './api-key-auth';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

/**
 * Requires a valid API key; the identity rides on the request and on every log line. On /v1 the
 * identity gate has already authenticated the caller (key, or anonymous for a free model) and
 * this only refuses a request it left without identity (401).
 */
export function requireApiKey(authenticator: ApiKeyAuthenticator) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (req.auth) return next();
    authenticator.authenticate(presentedKey(req.headers as never)).then(
      (auth) => {
        req.auth = auth;
        const ctx = currentRequestContext();
        if (ctx) {
          ctx.userId = auth.userId;
          ctx.keyId = auth.keyId;
        }
        next();
      },
      next,
    );
  };
}
