import { readFileSync } from 'node:fs';
import { ProviderError } from '@gatewayz/errors';

/** The fields of a Google service-account key file (JSON) that Vertex AI authentication uses. */
export interface ServiceAccount {
  client_email: string;
  private_key: string;
  private_key_id?: string;
  project_id?: string;
  token_uri?: string;
}

export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';

function misconfigured(provider: string, what: string): ProviderError {
  // Not the user's fault and not the upstream's: the gateway's own configuration. Fail over.
  return new ProviderError({ provider, upstreamStatus: 0, code: 'provider_misconfigured', message: `Provider ${provider} is misconfigured: ${what}.`, status: 502 });
}

/**
 * Service accounts from VERTEX_CREDENTIALS (the JSON itself) or GOOGLE_APPLICATION_CREDENTIALS
 * (a path to it), parsed once per distinct source and kept (credential loading, not request I/O).
 */
export class ServiceAccounts {
  private readonly cache = new Map<string, ServiceAccount>();

  get(provider: string, settings: Readonly<Record<string, string>>): ServiceAccount {
    const key = settings.credentialsJson ? `json:${settings.credentialsJson}` : settings.credentialsFile ? `file:${settings.credentialsFile}` : undefined;
    if (!key) throw misconfigured(provider, 'set VERTEX_CREDENTIALS or GOOGLE_APPLICATION_CREDENTIALS');
    const cached = this.cache.get(key);
    if (cached) return cached;
    let text: string;
    try {
      text = settings.credentialsJson ?? readFileSync(settings.credentialsFile!, 'utf8');
    } catch {
      throw misconfigured(provider, 'GOOGLE_APPLICATION_CREDENTIALS cannot be read');
    }
    let account: Partial<ServiceAccount>;
    try {
      account = JSON.parse(text) as Partial<ServiceAccount>;
    } catch {
      throw misconfigured(provider, 'the service-account credentials are not JSON');
    }
    if (typeof account.client_email !== 'string' || typeof account.private_key !== 'string') {
      throw misconfigured(provider, 'the service-account credentials lack client_email or private_key');
    }
    const parsed = account as ServiceAccount;
    this.cache.set(key, parsed);
    return parsed;
  }
}
