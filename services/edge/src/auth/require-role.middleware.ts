import type { NextFunction, Request, Response } from 'express';
import { errors } from '@gatewayz/errors';
import type { Role } from '@gatewayz/db';

/**
 * Requires an authenticated caller (requireApiKey ran before) with one of `roles`:
 * 401 without a caller, 403 with the wrong role.
 */
export function requireRole(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.auth) {
      next(errors.unauthorized('Missing API key. Send it as "Authorization: Bearer gw_live_...".', 'missing_api_key'));
      return;
    }
    if (!roles.includes(req.auth.role)) {
      next(errors.forbidden(`This endpoint requires the ${roles.join(' or ')} role.`, 'insufficient_role'));
      return;
    }
    next();
  };
}
