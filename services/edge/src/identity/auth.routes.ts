import { Router, type Request, type RequestHandler } from 'express';
import { z } from 'zod';
import type { SlidingLogLimiter } from '@gatewayz/ratelimit';
import { clientIp, origin, parse } from '../http/validate';
import { rateLimited } from '../ratelimit/rate-limit-headers';
import type { AccountService } from './account.service';

const email = z.email('must be an email address').max(254);
const password = z.string().min(8, 'must be at least 8 characters').max(128, 'must be at most 128 characters');
const code = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, - or _');

/** Strict: a field such as role, plan or credits is refused (400), never silently applied. */
const registerSchema = z.object({ email, password, referral_code: code.optional(), partner_code: code.optional() }).strict();
const loginSchema = z.object({ email, password: z.string().min(1).max(128) }).strict();

const TRIAL_NOTE = 'Your free trial is being set up; GET /trial/status shows it once ready.';

/** Brute-force limit per IP, counted before anything else is looked at. */
function attemptsPerIp(limiter: SlidingLogLimiter, what: string): RequestHandler {
  return async (req: Request, _res, next) => {
    const d = await limiter.hit(clientIp(req) ?? 'unknown');
    if (!d.allowed) throw rateLimited({ code: 'too_many_attempts', message: `Too many ${what} attempts from this IP address.`, limitedBy: d });
    next();
  };
}

/** POST /auth/register and POST /auth/login. */
export function authRouter(deps: { accounts: AccountService; login: SlidingLogLimiter; register: SlidingLogLimiter; body: RequestHandler }): Router {
  const r = Router();

  r.post('/auth/register', attemptsPerIp(deps.register, 'sign-up'), deps.body, async (req, res) => {
    const input = parse(registerSchema, req.body);
    const out = await deps.accounts.register(input, origin(req));
    res.status(201).json({
      user: out.user,
      api_key: { id: out.key.id, key: out.key.key, last4: out.key.last4, warning: 'This is the only time the key is shown: store it now.' },
      session: { token: out.session.token, token_type: 'Bearer', expires_at: out.session.expiresAt.toISOString() },
      trial: { status: 'pending', message: TRIAL_NOTE },
    });
  });

  r.post('/auth/login', attemptsPerIp(deps.login, 'login'), deps.body, async (req, res) => {
    const input = parse(loginSchema, req.body);
    const out = await deps.accounts.login(input, origin(req));
    res.json({ token: out.session.token, token_type: 'Bearer', expires_at: out.session.expiresAt.toISOString(), user: out.user });
  });

  return r;
}
