import { z } from 'zod';
import { readDataFile } from './data-files';

const slug = z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be a provider slug');

const rulesSchema = z.object({
  families: z
    .array(
      z.object({
        name: z.string().min(1),
        match: z.array(z.string().min(1)).min(1),
        providers: z.union([z.literal('*'), z.array(slug).min(1)]),
      }),
    )
    .min(1),
  overrides: z.array(z.object({ match: z.string().min(1), prefer: z.array(slug).min(1) })),
  format_rules: z.array(z.object({ name: z.string().min(1), pattern: z.string().min(1), provider: slug })),
  native_transforms: z.record(slug, z.object({ prefix: z.string().min(1).optional(), lowercase: z.boolean().optional() })),
  org_providers: z.record(z.string(), slug),
});

export interface ModelFamily {
  name: string;
  /** undefined: every provider serving the model, by catalog priority. */
  providers: string[] | undefined;
}

/** Glob over model ids: "*" matches any run of characters; case-insensitive. */
export function globMatcher(pattern: string): (id: string) => boolean {
  const escaped = pattern
    .toLowerCase()
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\/]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${escaped}$`);
  return (id) => re.test(id.toLowerCase());
}

/**
 * The routing rules (data/routing-rules.json), compiled: model families (which providers may
 * serve a model, in which base order), per-model provider overrides, provider-native id formats,
 * native id transforms, and each model owner's first-party provider.
 */
export class RoutingRules {
  private readonly families: { name: string; match: ((id: string) => boolean)[]; providers: string[] | undefined }[];
  private readonly overrides: { match: (id: string) => boolean; prefer: string[] }[];
  private readonly formats: { name: string; re: RegExp; provider: string }[];
  private readonly transforms: Record<string, { prefix?: string; lowercase?: boolean }>;
  private readonly orgProviders: Record<string, string>;
  private readonly familyCache = new Map<string, ModelFamily>();

  constructor(json: unknown) {
    const data = rulesSchema.parse(json);
    this.families = data.families.map((f) => ({
      name: f.name,
      match: f.match.map(globMatcher),
      providers: f.providers === '*' ? undefined : f.providers,
    }));
    if (!this.families.some((f) => f.match.some((m) => m('any/model')))) {
      throw new Error('routing rules: the last family must match every model ("*")');
    }
    this.overrides = data.overrides.map((o) => ({ match: globMatcher(o.match), prefer: o.prefer }));
    this.formats = data.format_rules.map((r) => ({ name: r.name, re: new RegExp(r.pattern), provider: r.provider }));
    this.transforms = data.native_transforms;
    this.orgProviders = data.org_providers;
  }

  static load(): RoutingRules {
    return new RoutingRules(readDataFile('routing-rules.json'));
  }

  /** The first family whose pattern matches the canonical id. */
  familyOf(modelId: string): ModelFamily {
    const key = modelId.toLowerCase();
    let family = this.familyCache.get(key);
    if (!family) {
      const f = this.families.find((candidate) => candidate.match.some((m) => m(key)))!;
      family = { name: f.name, providers: f.providers };
      if (this.familyCache.size < 100_000) this.familyCache.set(key, family);
    }
    return family;
  }

  /** Providers an override prefers for this model, in order (explicit override). */
  preferredProviders(modelId: string): string[] {
    for (const o of this.overrides) if (o.match(modelId)) return o.prefer;
    return [];
  }

  /** The provider whose native id format `requested` is written in (format rules). */
  formatProvider(requested: string): { provider: string; rule: string } | undefined {
    const r = this.formats.find((f) => f.re.test(requested.trim()));
    return r ? { provider: r.provider, rule: r.name } : undefined;
  }

  /** How `provider` writes a native id (e.g. Fireworks' accounts/fireworks/models/ prefix). */
  transformNative(provider: string, nativeId: string): string {
    const t = this.transforms[provider];
    if (!t) return nativeId;
    let out = t.lowercase ? nativeId.toLowerCase() : nativeId;
    if (t.prefix && !out.startsWith(t.prefix)) out = t.prefix + out;
    return out;
  }

  /** The first-party provider of a model owner ("openai/..." → "openai"). */
  orgProvider(modelId: string): string | undefined {
    const slash = modelId.indexOf('/');
    return slash > 0 ? this.orgProviders[modelId.slice(0, slash).toLowerCase()] : undefined;
  }
}
