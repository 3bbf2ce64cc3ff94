import type { CatalogIndex, ModelEntry } from '@gatewayz/catalog';
import type { RoutingRules } from './rules';

/**
 * OpenRouter-style variants, written as a suffix: ":free" (the model's free variant, a catalog
 * entry of its own), ":nitro" (fastest providers first), ":floor" (cheapest providers first).
 */
export type Variant = 'free' | 'nitro' | 'floor';

const VARIANTS = new Set<string>(['free', 'nitro', 'floor']);

export function splitVariant(requested: string): { base: string; variant: Variant | undefined } {
  const text = requested.trim();
  const colon = text.lastIndexOf(':');
  if (colon > 0) {
    const suffix = text.slice(colon + 1).toLowerCase();
    if (VARIANTS.has(suffix)) return { base: text.slice(0, colon), variant: suffix as Variant };
  }
  return { base: text, variant: undefined };
}

/** Which stage of the pipeline recognized the name (docs/routing.md "Resolution"). */
export type ResolutionStage = 'alias' | 'format_rule' | 'canonical' | 'native_id' | 'org_fallback';

export type ModelResolution =
  | {
      ok: true;
      entry: ModelEntry;
      variant: Variant | undefined;
      stage: ResolutionStage;
      /** Providers to put first, in order: an explicit override, then the detected provider. */
      preferred: string[];
    }
  | { ok: false; reason: 'not_found' | 'no_free_variant'; canonical?: string };

/**
 * The resolution pipeline: variant suffix → alias normalization → provider detection in
 * priority order (explicit override, format rules, mapping table, org-prefix fallback). The
 * routes then carry each provider's native id (offer data + native_transforms).
 */
export function resolveModel(index: CatalogIndex, rules: RoutingRules, requested: string): ModelResolution {
  const { base, variant } = splitVariant(requested);
  let entry: ModelEntry | undefined;
  let stage: ResolutionStage = 'canonical';
  let detected: string | undefined;

  if (index.isAlias(base)) {
    entry = index.entry(base);
    stage = 'alias';
  } else {
    const format = rules.formatProvider(base);
    if (format) {
      entry = index.byNativeId(base, format.provider);
      if (entry) {
        stage = 'format_rule';
        detected = format.provider;
      }
    }
    if (!entry) entry = index.entry(base);
    if (!entry) {
      entry = index.byNativeId(base);
      stage = 'native_id';
    }
    if (!entry) {
      entry = index.looseMatch(base);
      stage = 'org_fallback';
      if (entry) detected = rules.orgProvider(entry.row.id);
    }
  }
  if (!entry) return { ok: false, reason: 'not_found' };

  if (variant === 'free') {
    const free = index.entry(`${entry.row.id}:free`);
    if (!free) return { ok: false, reason: 'no_free_variant', canonical: entry.row.id };
    entry = free;
  }
  const preferred = [...rules.preferredProviders(entry.row.id)];
  if (detected && !preferred.includes(detected)) preferred.push(detected);
  return { ok: true, entry, variant, stage, preferred };
}
