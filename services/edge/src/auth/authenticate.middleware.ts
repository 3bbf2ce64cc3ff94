import type { NextFunction, Request, Response } from 'express';
import { currentRequestContext } from '@gatewayz/logger';
import { presentedKey, type ApiKeyAuthenticator, type AuthContext } from './api-key-auth';

declare module 'express-serve-static-core' {
  interface Request {
    auth?: AuthContext;
  }
}

/** Requires a valid API key; the identity rides on the request and on every log line. */
export function requireApiKey(authenticator: ApiKeyAuthenticator) {
  return (req: Request, _res: Response, next: NextFunction): void => {
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
