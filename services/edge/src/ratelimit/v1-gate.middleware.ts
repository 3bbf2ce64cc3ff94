import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { currentRequestContext } from '@gatewayz/logger';
import type { Counter } from '@gatewayz/metrics';
import type { PlanCatalog } from '@gatewayz/plans';
import { MINUTE, UTC_DAY, type WindowLimiter } from '@gatewayz/ratelimit';
import { presentedKey, type ApiKeyAuthenticator, type AuthContext } from '../auth/api-key-auth';
import type { KeyRecord } from '../auth/api-key.repository';
import { clientIp } from '../http/validate';
import type { KeyUseChecker } from '../keys/key-use';
import { RULE_DESCRIPTIONS, effectiveLimits, keyRules, planLimits } from './plan-limits';
import { limitedBy, rateLimited, successHeaders } from './rate-limit-headers';

export interface V1GateDeps {
  authenticator: ApiKeyAuthenticator;
  keyUse: KeyUseChecker;
  plans: PlanCatalog;
  keyLimiter: WindowLimiter;
  anonLimiter: WindowLimiter;
  anonymous: { models: ReadonlySet<string>; rpm: number; perDay: number };
  ipHash: (ip: string | undefined) => string;
  /** Reads a JSON body (the route's own parser then reuses it). */
  readBody: RequestHandler;
  limited: Counter<'layer'>;
}

/** The identity of an anonymous caller (layer 3): billing and usage events can tell it apart. */
export const ANONYMOUS: AuthContext = Object.freeze({ keyId: '', userId: '', role: 'user', scopes: [], anonymous: true });

/**
 * In front of every /v1 route. With a key: authenticate (401), check the key's scopes, IP
 * allowlist and domains (403), then layer 2 — the plan's (or the key's lower) RPM, TPM, tokens
 * per day and month — 429 with every header; on admission, OpenAI-style x-ratelimit-* headers.
 * Without a key: a POST whose body names a free model (ANONYMOUS_MODELS) goes through layer 3
 * (per IP hash, stricter than any plan) as an anonymous caller; anything else is left without
 * identity, and the route's requireApiKey answers 401 (public routes such as /v1/models serve).
 */
export function v1Gate(deps: V1GateDeps) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const presented = presentedKey(req.headers as never);
    const work = presented !== undefined ? withKey(deps, req, res, presented) : withoutKey(deps, req, res);
    work.then(() => next(), next);
  };
}

async function withKey(deps: V1GateDeps, req: Request, res: Response, presented: string): Promise<void> {
  const { auth, record } = await deps.authenticator.authenticateRecord(presented);
  deps.keyUse.check(record, req, 'inference');
  await admitKey(deps, res, record);
  identify(req, auth);
}

async function admitKey(deps: V1GateDeps, res: Response, record: KeyRecord): Promise<void> {
  const plan = planLimits(deps.plans, record.plan);
  const limits = effectiveLimits(plan.limits, record.limits);
  const decision = await deps.keyLimiter.check(`key:${record.keyId}`, keyRules(limits));
  if (!decision.allowed) {
    deps.limited.inc({ layer: 'key' });
    const b = decision.blocked!;
    throw rateLimited({
      code: b.name === 'rpm' ? 'rate_limit_exceeded' : 'token_limit_exceeded',
      message: `${b.name === 'rpm' ? 'Rate' : 'Token'} limit reached for this API key: ${b.limit} ${RULE_DESCRIPTIONS[b.name]} (plan '${plan.slug}').`,
      limitedBy: limitedBy(decision),
    });
  }
  setHeaders(res, successHeaders({ requests: decision.states[0], tokens: decision.states[1] }, Date.now()));
}

async function withoutKey(deps: V1GateDeps, req: Request, res: Response): Promise<void> {
  if (deps.anonymous.models.size === 0 || req.method !== 'POST') return;
  const readError = await new Promise<unknown>((resolve) => deps.readBody(req, res, resolve));
  if (readError !== undefined) {
    // Not a readable JSON body: no anonymous access; the route answers (401 without a key).
    req.bodyError = readError;
    return;
  }
  const model = (req.body as { model?: unknown }).model;
  if (typeof model !== 'string' || !deps.anonymous.models.has(model)) return;
  const decision = await deps.anonLimiter.check(`anon:${deps.ipHash(clientIp(req))}`, [
    { name: 'rpm', limit: deps.anonymous.rpm, window: MINUTE, cost: 1 },
    { name: 'rpd', limit: deps.anonymous.perDay, window: UTC_DAY, cost: 1 },
  ]);
  if (!decision.allowed) {
    deps.limited.inc({ layer: 'anonymous' });
    const b = decision.blocked!;
    throw rateLimited({
      code: 'anonymous_rate_limited',
      message: `Rate limit reached for anonymous use: ${b.limit} ${RULE_DESCRIPTIONS[b.name]} per IP address. Use an API key for higher limits.`,
      limitedBy: limitedBy(decision),
    });
  }
  setHeaders(res, successHeaders({ requests: decision.states[0] }, Date.now()));
  identify(req, ANONYMOUS);
}

function identify(req: Request, auth: AuthContext): void {
  req.auth = auth;
  const ctx = currentRequestContext();
  if (ctx && !auth.anonymous) {
    ctx.userId = auth.userId;
    ctx.keyId = auth.keyId;
  }
}

function setHeaders(res: Response, headers: Record<string, string>): void {
  for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
}
