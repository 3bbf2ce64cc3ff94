import type { NextFunction, Request, Response } from 'express';
import type { Counter } from '@gatewayz/metrics';
import { MINUTE, type VelocityMonitor, type WindowLimiter } from '@gatewayz/ratelimit';
import { presentedKey, type ApiKeyAuthenticator } from '../auth/api-key-auth';
import { clientIp } from '../http/validate';
import { SessionTokens } from '../identity/session-tokens';
import { limitedBy, rateLimited } from './rate-limit-headers';

/** Paths layer 1 never limits (probes and scrapes). */
const EXEMPT = /^\/(health(\/|$)|metrics$)/;

export interface IpLimitDeps {
  limiter: WindowLimiter;
  velocity: VelocityMonitor;
  rpm: number;
  authenticator: ApiKeyAuthenticator;
  sessions: SessionTokens;
  ipHash: (ip: string | undefined) => string;
  limited: Counter<'layer'>;
}

/**
 * Layer 1, before authentication: requests that do not carry a key this replica already knows
 * to be valid (or a valid session) count against their IP — RATE_LIMIT_IP_RPM per minute,
 * halved in velocity mode. Authenticated traffic is exempt; brute-forcing keys is not. The
 * outcome of every counted request feeds the velocity monitor.
 */
export function ipRateLimit(deps: IpLimitDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (EXEMPT.test(req.path)) return next();
    const presented = presentedKey(req.headers as never);
    if (deps.authenticator.isCachedValid(presented)) return next();
    const counted = () => {
      res.once('finish', () => deps.velocity.record(res.statusCode >= 400 && res.statusCode !== 429));
      void limit(deps, req, presented).then((err) => next(err), next);
    };
    if (SessionTokens.looksLikeToken(presented)) {
      deps.sessions.isValid(presented).then((valid) => (valid ? next() : counted()), next);
      return;
    }
    counted();
  };
}

async function limit(deps: IpLimitDeps, req: Request, presented: string | undefined): Promise<unknown> {
  const factor = deps.velocity.multiplier();
  const rpm = Math.max(1, Math.floor(deps.rpm * factor));
  const mode = factor < 1 ? 'velocity' : 'normal';
  const decision = await deps.limiter.check(`ip:${deps.ipHash(clientIp(req))}`, [{ name: 'rpm', limit: rpm, window: MINUTE, cost: 1 }]);
  if (decision.allowed) return undefined;
  // Over the limit: a valid key not yet in this replica's cache is still exempt. (Invalid ones
  // get the 429, not a 401: no answer tells a guesser anything.)
  if (presented !== undefined && (await deps.authenticator.authenticate(presented).then(() => true, () => false))) return undefined;
  deps.limited.inc({ layer: 'ip' });
  return rateLimited({
    code: 'ip_rate_limited',
    message:
      `Too many requests from this IP address: ${rpm} per minute without an API key` +
      (mode === 'velocity' ? ' (velocity mode: limits are halved while error rates are high).' : '.'),
    limitedBy: limitedBy(decision),
    headers: { 'X-RateLimit-Reason': 'ip_rate_limit', 'X-RateLimit-Mode': mode },
  });
}
