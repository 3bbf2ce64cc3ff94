import { ProviderError } from '@gatewayz/errors';
import type { ProviderCredential, Route } from '@gatewayz/proto';
import type { ProviderCredentials, ProviderDirectory } from '@gatewayz/providers';

/**
 * Whose key calls a provider, for one request: the user's own (BYOK, sent by the edge with the
 * request) replaces the gateway's, and makes a provider the gateway has no key for usable. The
 * keys live only as long as the request; they are never logged or stored here.
 */
export class RequestCredentials {
  private readonly byok: Map<string, string>;

  constructor(
    private readonly directory: ProviderDirectory,
    credentials: readonly ProviderCredential[],
  ) {
    this.byok = new Map(credentials.filter((c) => c.apiKey !== '').map((c) => [c.provider, c.apiKey]));
  }

  usable(route: Route): boolean {
    return this.byok.has(route.provider) || this.directory.isEnabled(route.provider);
  }

  isByok(provider: string): boolean {
    return this.byok.has(provider);
  }

  for(route: Route): ProviderCredentials {
    const gateway = this.directory.credentials(route.provider, route.baseUrl);
    const own = this.byok.get(route.provider);
    return own === undefined ? gateway : { apiKey: own, baseUrl: gateway.baseUrl };
  }

  /** A refused user key is the user's to fix: say so (the generic message blames the gateway's). */
  explain(err: ProviderError): ProviderError {
    if (!this.isByok(err.provider) || (err.upstreamStatus !== 401 && err.upstreamStatus !== 403)) return err;
    return new ProviderError({
      provider: err.provider,
      upstreamStatus: err.upstreamStatus,
      code: 'byok_key_rejected',
      status: 502,
      message: `Provider ${err.provider} refused your own key (${err.upstreamStatus}). Update it with PUT /user/provider-keys/${err.provider}, or delete it to use the gateway's.`,
    });
  }
}
