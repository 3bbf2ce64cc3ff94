import type { ProviderCredentials } from './contract';

/**
 * Provider credentials from the environment: <SLUG>_API_KEY and <SLUG>_BASE_URL (slug upper-
 * cased, dashes as underscores), e.g. OPENAI_API_KEY, OPENROUTER_BASE_URL. A provider without a
 * key is not in any chain; `sim` needs none (SIM_ENABLED=false turns it off), and neither do
 * providers listed in KEYLESS_PROVIDERS (local servers such as Ollama or vLLM).
 */
export function envPrefix(slug: string): string {
  return slug.toUpperCase().replace(/[^A-Z0-9]/g, '_');
}

export class ProviderDirectory {
  private readonly keyless: Set<string>;

  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {
    this.keyless = new Set(
      (env.KEYLESS_PROVIDERS ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    );
    if (!/^(false|0|no|off)$/i.test((env.SIM_ENABLED ?? 'true').trim())) this.keyless.add('sim');
  }

  isEnabled(slug: string): boolean {
    if (this.keyless.has(slug)) return true;
    const key = this.env[`${envPrefix(slug)}_API_KEY`];
    return key !== undefined && key.trim() !== '';
  }

  credentials(slug: string, catalogBaseUrl: string): ProviderCredentials {
    const prefix = envPrefix(slug);
    const key = this.env[`${prefix}_API_KEY`]?.trim();
    const baseUrl = this.env[`${prefix}_BASE_URL`]?.trim();
    return { apiKey: key ? key : undefined, baseUrl: baseUrl ? baseUrl : catalogBaseUrl };
  }
}
