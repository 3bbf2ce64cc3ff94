import { ProviderError } from '@gatewayz/errors';
import { SignJWT, importPKCS8 } from 'jose';

type SigningKey = Awaited<ReturnType<typeof importPKCS8>>;
import { httpError, readBounded, type HttpTransport } from '../transport/http';
import type { ServiceAccount } from './service-account';

/**
 * OAuth 2.0 access tokens for a service account (Google's "JWT bearer" flow): a JWT signed
 * RS256 with the account's private key is exchanged at the token URL for an access token,
 * which is cached until shortly before it expires. Concurrent requests share one exchange.
 */
export const CLOUD_PLATFORM_SCOPE = 'https://www.googleapis.com/auth/cloud-platform';
const JWT_LIFETIME_S = 3600;
/** Refresh this long before the token's own expiry. */
const EXPIRY_MARGIN_MS = 60_000;

interface Cached {
  token: string;
  expiresAt: number;
}

export class GoogleTokenSource {
  private readonly tokens = new Map<string, Cached>();
  private readonly pending = new Map<string, Promise<Cached>>();
  private readonly keys = new Map<string, Promise<SigningKey>>();

  constructor(
    private readonly transport: HttpTransport,
    private readonly now: () => number = Date.now,
  ) {}

  async token(options: { provider: string; account: ServiceAccount; tokenUrl: string; signal: AbortSignal }): Promise<string> {
    const id = `${options.account.client_email}|${options.tokenUrl}`;
    const cached = this.tokens.get(id);
    if (cached && cached.expiresAt - EXPIRY_MARGIN_MS > this.now()) return cached.token;
    let pending = this.pending.get(id);
    if (!pending) {
      pending = this.exchange(options).finally(() => this.pending.delete(id));
      this.pending.set(id, pending);
    }
    const fresh = await pending;
    this.tokens.set(id, fresh);
    return fresh.token;
  }

  private signingKey(account: ServiceAccount, provider: string): Promise<SigningKey> {
    let key = this.keys.get(account.private_key);
    if (!key) {
      key = importPKCS8(account.private_key, 'RS256').catch(() => {
        this.keys.delete(account.private_key);
        throw new ProviderError({ provider, upstreamStatus: 0, code: 'provider_misconfigured', message: `Provider ${provider} is misconfigured: the service account's private key cannot be read.`, status: 502 });
      });
      this.keys.set(account.private_key, key);
    }
    return key;
  }

  private async exchange(options: { provider: string; account: ServiceAccount; tokenUrl: string; signal: AbortSignal }): Promise<Cached> {
    const { provider, account, tokenUrl } = options;
    const iat = Math.floor(this.now() / 1000);
    const assertion = await new SignJWT({ scope: CLOUD_PLATFORM_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT', ...(account.private_key_id ? { kid: account.private_key_id } : {}) })
      .setIssuer(account.client_email)
      .setAudience(tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + JWT_LIFETIME_S)
      .sign(await this.signingKey(account, provider));
    const res = await this.transport.post({
      provider,
      url: tokenUrl,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: options.signal,
    });
    if (res.status >= 400) {
      const err = await httpError(provider, res, (body) => ({ message: (body as { error_description?: string } | undefined)?.error_description }));
      // A refused service account is the gateway's credential problem: fail over, never relay it as the user's.
      throw new ProviderError({ provider, upstreamStatus: 401, code: 'upstream_auth_failed', message: `Provider ${provider}: the OAuth token exchange failed (${res.status}).`, status: 502, retryAfterMs: err.retryAfterMs });
    }
    let body: { access_token?: unknown; expires_in?: unknown } = {};
    try {
      body = JSON.parse(await readBounded(res.body, 64 * 1024)) as typeof body;
    } catch {
      body = {};
    }
    if (typeof body?.access_token !== 'string') {
      throw new ProviderError({ provider, upstreamStatus: 200, code: 'upstream_auth_failed', message: `Provider ${provider}: the token endpoint returned no access_token.`, status: 502 });
    }
    const lifetimeS = typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : JWT_LIFETIME_S;
    return { token: body.access_token, expiresAt: this.now() + lifetimeS * 1000 };
  }
}
