import { hkdfSync, randomUUID } from 'node:crypto';
import { SignJWT, errors as joseErrors, jwtVerify } from 'jose';
import { errors } from '@gatewayz/errors';

const ISSUER = 'gatewayz';
const AUDIENCE = 'gatewayz:user';

export interface SessionClaims {
  userId: string;
  sessionId: string;
  expiresAt: Date;
}

/**
 * Short-lived login sessions: HS256 JWTs (jose) for /user/* and /admin/*. They never work on
 * /v1 (API requests take API keys). The secret is SESSION_SECRET, or one derived from the key
 * HMAC secret with HKDF (a separate key for a separate purpose).
 */
export class SessionTokens {
  private readonly secret: Uint8Array;

  constructor(options: { secret?: string; fallbackSecret: string; ttlSeconds: number }) {
    this.secret = options.secret
      ? new TextEncoder().encode(options.secret)
      : new Uint8Array(hkdfSync('sha256', options.fallbackSecret, 'gatewayz', 'session-token-v1', 32));
    this.ttlSeconds = options.ttlSeconds;
  }

  private readonly ttlSeconds: number;

  /** Looks like a JWT (three base64url parts), as opposed to an API key. */
  static looksLikeToken(value: string | undefined): value is string {
    return value !== undefined && /^eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(value);
  }

  async issue(userId: string): Promise<{ token: string; expiresAt: Date }> {
    const now = Math.floor(Date.now() / 1000);
    const expiresAt = new Date((now + this.ttlSeconds) * 1000);
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(userId)
      .setJti(randomUUID())
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt(now)
      .setExpirationTime(now + this.ttlSeconds)
      .sign(this.secret);
    return { token, expiresAt };
  }

  /** The claims of a valid token; a 401 (expired, or invalid) otherwise. */
  async verify(token: string): Promise<SessionClaims> {
    try {
      const { payload } = await jwtVerify(token, this.secret, { issuer: ISSUER, audience: AUDIENCE, algorithms: ['HS256'] });
      if (typeof payload.sub !== 'string' || typeof payload.exp !== 'number') throw new Error('incomplete claims');
      return { userId: payload.sub, sessionId: String(payload.jti ?? ''), expiresAt: new Date(payload.exp * 1000) };
    } catch (err) {
      if (err instanceof joseErrors.JWTExpired) throw errors.unauthorized('This session has expired. Log in again (POST /auth/login).', 'session_expired');
      throw errors.unauthorized('Invalid session token. Log in again (POST /auth/login).', 'invalid_session');
    }
  }

  /** True when `token` verifies (no error raised). */
  async isValid(token: string): Promise<boolean> {
    return this.verify(token).then(
      () => true,
      () => false,
    );
  }
}
