import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { runWithRequestContext } from '@gatewayz/logger';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
  }
}

const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a sane X-Request-ID from the client, else makes one; echoed on every response. */
export function requestId() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const given = req.headers['x-request-id'];
    const id = typeof given === 'string' && CLIENT_ID.test(given) ? given : randomUUID();
    req.id = id;
    res.setHeader('x-request-id', id);
    runWithRequestContext({ requestId: id }, next);
  };
}
