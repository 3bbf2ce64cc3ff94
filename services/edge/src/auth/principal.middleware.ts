import type { NextFunction, Request, Response } from 'express';
import type { PrismaClient } from '@gatewayz/db';
import { errors } from '@gatewayz/errors';
import { currentRequestContext } from '@gatewayz/logger';
import { SessionTokens } from '../identity/session-tokens';
import type { KeyScope, KeyUseChecker } from '../keys/key-use';
import { can, type Permission } from '../rbac/permissions';
import { presentedKey, type ApiKeyAuthenticator, type AuthContext } from './api-key-auth';

export interface PrincipalDeps {
  authenticator: ApiKeyAuthenticator;
  sessions: SessionTokens;
  keyUse: KeyUseChecker;
  prisma: PrismaClient;
}

const MISSING = 'Missing credentials. Send an API key or a session token (POST /auth/login) as "Authorization: Bearer ...".';

/**
 * Who calls an account or admin endpoint: an API key (with its restrictions and scope checked)
 * or a session token from /auth/login (the account is re-read, so a disabled account or a
 * changed role applies at once).
 */
export async function resolvePrincipal(deps: PrincipalDeps, req: Request, scope: KeyScope): Promise<AuthContext> {
  const presented = presentedKey(req.headers as never);
  if (presented === undefined || presented === '') throw errors.unauthorized(MISSING, 'missing_credentials');
  if (SessionTokens.looksLikeToken(presented)) {
    const claims = await deps.sessions.verify(presented);
    const user = await deps.prisma.user.findUnique({ where: { id: claims.userId }, select: { role: true, isActive: true } });
    if (!user || !user.isActive) throw errors.unauthorized('The account of this session is disabled or gone.', 'account_disabled');
    return { userId: claims.userId, keyId: '', role: user.role, scopes: [], anonymous: false };
  }
  const { auth, record } = await deps.authenticator.authenticateRecord(presented);
  deps.keyUse.check(record, req, scope);
  return auth;
}

export function identify(req: Request, auth: AuthContext): void {
  req.auth = auth;
  const ctx = currentRequestContext();
  if (ctx) {
    ctx.userId = auth.userId;
    ctx.keyId = auth.keyId;
  }
}

/** /user/*: any signed-in caller (key or session). */
export function requirePrincipal(deps: PrincipalDeps) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    resolvePrincipal(deps, req, 'account').then((auth) => {
      identify(req, auth);
      next();
    }, next);
  };
}

/** Requires a permission of the caller's role (403 otherwise). */
export function requirePermission(permission: Permission) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.auth) return next(errors.unauthorized(MISSING, 'missing_credentials'));
    if (!can(req.auth.role, permission)) {
      return next(errors.forbidden(`Your role (${req.auth.role}) does not have the '${permission}' permission.`, 'insufficient_permission'));
    }
    next();
  };
}
