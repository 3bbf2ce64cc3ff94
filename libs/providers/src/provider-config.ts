import type { ProviderCredentials } from './contract';

/**
 * Provider credentials from the environment: <SLUG>_API_KEY and <SLUG>_BASE_URL (slug upper-
 * cased, dashes as underscores), e.g. OPENAI_API_KEY, OPENROUTER_BASE_URL, plus the settings a
 * provider needs beyond a key (CREDENTIAL_RULES). A provider without credentials is not in any
 * chain; `sim` needs none (SIM_ENABLED=false turns it off), and neither do providers listed in
 * KEYLESS_PROVIDERS (local servers such as Ollama, vLLM or LM Studio). Providers an admin
 * registered (POST /admin/providers) get their credentials from the database instead
 * (`stored`), encrypted at rest.
 */
export function envPrefix(slug: string): string {
  return slug.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export interface CredentialRule {
  /** Settings passed to the adapter, by name → environment variable. */
  settings?: Readonly<Record<string, string>>;
  /** The provider is enabled when every variable of one of these sets is non-blank (default: its API key). */
  enabledBy?: readonly (readonly string[])[];
}

/** Providers that need more than `<SLUG>_API_KEY` (documented in README's provider table). */
export const CREDENTIAL_RULES: Readonly<Record<string, CredentialRule>> = {
  // Azure: the resource endpoint is per customer, so a base URL is required with the key.
  azure: { settings: { apiVersion: 'AZURE_API_VERSION' }, enabledBy: [['AZURE_API_KEY', 'AZURE_BASE_URL']] },
  // Cloudflare Workers AI: the account id is part of every URL.
  cloudflare: { settings: { accountId: 'CLOUDFLARE_ACCOUNT_ID' }, enabledBy: [['CLOUDFLARE_API_KEY', 'CLOUDFLARE_ACCOUNT_ID']] },
  // Vertex AI: a service-account key (JSON text or a file path), exchanged for OAuth tokens.
  vertex: {
    settings: {
      credentialsJson: 'VERTEX_CREDENTIALS',
      credentialsFile: 'GOOGLE_APPLICATION_CREDENTIALS',
      project: 'VERTEX_PROJECT',
      location: 'VERTEX_LOCATION',
      tokenUrl: 'VERTEX_TOKEN_URL',
    },
    enabledBy: [['VERTEX_CREDENTIALS'], ['GOOGLE_APPLICATION_CREDENTIALS']],
  },
  // Bedrock: SigV4 with AWS credentials, or a Bedrock API key (bearer).
  bedrock: {
    settings: { accessKeyId: 'AWS_ACCESS_KEY_ID', secretAccessKey: 'AWS_SECRET_ACCESS_KEY', sessionToken: 'AWS_SESSION_TOKEN', region: 'AWS_REGION' },
    enabledBy: [['BEDROCK_API_KEY'], ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY']],
  },
};

/** Credentials kept in the database for admin-registered providers (the key decrypted, or none for a keyless server). */
export interface StoredCredentialSource {
  get(slug: string): { apiKey: string | undefined } | undefined;
}

export class ProviderDirectory {
  private readonly keyless: Set<string>;

  constructor(
    private readonly env: NodeJS.ProcessEnv = process.env,
    private readonly stored?: StoredCredentialSource,
  ) {
    this.keyless = new Set(
      (env.KEYLESS_PROVIDERS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    if (!/^(false|0|no|off)$/i.test((env.SIM_ENABLED ?? 'true').trim())) this.keyless.add('sim');
  }

  private value(name: string): string | undefined {
    const v = this.env[name]?.trim();
    return v ? v : undefined;
  }

  isEnabled(slug: string): boolean {
    if (this.keyless.has(slug)) return true;
    const sets = CREDENTIAL_RULES[slug]?.enabledBy ?? [[`${envPrefix(slug)}_API_KEY`]];
    if (sets.some((names) => names.every((name) => this.value(name) !== undefined))) return true;
    return this.stored?.get(slug) !== undefined;
  }

  credentials(slug: string, catalogBaseUrl: string): ProviderCredentials {
    const prefix = envPrefix(slug);
    const credentials: ProviderCredentials = {
      apiKey: this.value(`${prefix}_API_KEY`) ?? this.stored?.get(slug)?.apiKey,
      baseUrl: this.value(`${prefix}_BASE_URL`) ?? catalogBaseUrl,
    };
    const rule = CREDENTIAL_RULES[slug]?.settings;
    if (rule) {
      const settings: Record<string, string> = {};
      for (const [name, variable] of Object.entries(rule)) {
        const v = this.value(variable);
        if (v !== undefined) settings[name] = v;
      }
      credentials.settings = settings;
    }
    return credentials;
  }
}
