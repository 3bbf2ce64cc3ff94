import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dollarsToMicros } from './money';

const dollars = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a decimal dollar amount like "2.50"');

const offerSchema = z.object({
  provider: z.string().min(1),
  native_id: z.string().min(1),
  prompt: dollars,
  completion: dollars,
  cache_read: dollars.optional(),
  cache_write: dollars.optional(),
  per_request: dollars.optional(),
  per_image: dollars.optional(),
});

const fileSchema = z.object({
  providers: z.array(
    z.object({
      slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
      name: z.string().min(1),
      adapter: z.enum(['openai-compatible', 'anthropic', 'sim']),
      base_url: z.string().min(1),
      priority: z.number().int(),
      site_url: z.string().optional(),
    }),
  ),
  models: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be "<owner>/<model>"'),
      name: z.string().min(1),
      owned_by: z.string().min(1),
      context_length: z.number().int().positive(),
      max_output_tokens: z.number().int().positive(),
      simulated: z.boolean().optional(),
      /** Explicitly free: the only way a model may have zero prices. */
      free: z.boolean().optional(),
      offers: z.array(offerSchema).min(1),
    }),
  ),
  aliases: z.record(z.string(), z.string()),
});

export interface CatalogPrice {
  promptPerMtok: bigint;
  completionPerMtok: bigint;
  cacheReadPerMtok: bigint | null;
  cacheWritePerMtok: bigint | null;
  perRequest: bigint | null;
  perImage: bigint | null;
}

export interface CatalogData {
  providers: { slug: string; name: string; adapter: string; baseUrl: string; priority: number; siteUrl: string | null }[];
  models: {
    id: string;
    name: string;
    ownedBy: string;
    contextLength: number;
    maxOutputTokens: number;
    simulated: boolean;
    offers: ({ provider: string; nativeId: string } & CatalogPrice)[];
  }[];
  aliases: Record<string, string>;
}

/**
 * Parses and checks the catalog data file: unknown providers, duplicate ids, aliases that point
 * nowhere or to themselves, and unpriced models (only an explicitly `free` model may cost 0)
 * are errors, so a bad price never reaches a user.
 */
export function parseCatalog(json: unknown): CatalogData {
  const data = fileSchema.parse(json);
  const problems: string[] = [];
  const slugs = new Set(data.providers.map((p) => p.slug));
  if (slugs.size !== data.providers.length) problems.push('duplicate provider slug');
  const ids = new Set<string>();
  for (const model of data.models) {
    if (ids.has(model.id)) problems.push(`duplicate model id ${model.id}`);
    ids.add(model.id);
    const offered = new Set<string>();
    for (const offer of model.offers) {
      if (offered.has(offer.provider)) problems.push(`${model.id}: two offers from ${offer.provider}`);
      offered.add(offer.provider);
      if (!slugs.has(offer.provider)) problems.push(`${model.id}: unknown provider ${offer.provider}`);
      if (!model.free && (dollarsToMicros(offer.prompt) === 0n || dollarsToMicros(offer.completion) === 0n)) {
        problems.push(`${model.id} via ${offer.provider}: zero price on a model not marked free`);
      }
    }
  }
  const aliases = flattenAliases(data.aliases, ids, problems);
  if (problems.length > 0) throw new Error(`catalog data is invalid:\n  ${problems.join('\n  ')}`);

  const opt = (v: string | undefined) => (v === undefined ? null : dollarsToMicros(v));
  return {
    providers: data.providers.map((p) => ({
      slug: p.slug,
      name: p.name,
      adapter: p.adapter,
      baseUrl: p.base_url,
      priority: p.priority,
      siteUrl: p.site_url ?? null,
    })),
    models: data.models.map((m) => ({
      id: m.id,
      name: m.name,
      ownedBy: m.owned_by,
      contextLength: m.context_length,
      maxOutputTokens: m.max_output_tokens,
      simulated: m.simulated ?? false,
      offers: m.offers.map((o) => ({
        provider: o.provider,
        nativeId: o.native_id,
        promptPerMtok: dollarsToMicros(o.prompt),
        completionPerMtok: dollarsToMicros(o.completion),
        cacheReadPerMtok: opt(o.cache_read),
        cacheWritePerMtok: opt(o.cache_write),
        perRequest: opt(o.per_request),
        perImage: opt(o.per_image),
      })),
    })),
    aliases,
  };
}

/**
 * The alias table, checked and flattened: keys and targets are case-insensitive; a target may be
 * another alias (followed to the model id); a self-map, a cycle, a target that leads to no model
 * and an alias that shadows a model id are problems. Returns alias → canonical model id.
 */
export function flattenAliases(raw: Record<string, string>, modelIds: Set<string>, problems: string[]): Record<string, string> {
  const lowerIds = new Map([...modelIds].map((id) => [id.toLowerCase(), id]));
  const table = new Map(Object.entries(raw).map(([k, v]) => [k.trim().toLowerCase(), v.trim().toLowerCase()]));
  const out: Record<string, string> = {};
  for (const [alias, first] of table) {
    if (alias === first) {
      problems.push(`alias ${alias} maps to itself`);
      continue;
    }
    if (lowerIds.has(alias)) {
      problems.push(`alias ${alias} shadows a model id`);
      continue;
    }
    const seen = [alias];
    let target = first;
    while (!lowerIds.has(target) && table.has(target) && !seen.includes(target)) {
      seen.push(target);
      target = table.get(target)!;
    }
    if (seen.includes(target)) problems.push(`alias cycle: ${[...seen, target].join(' → ')}`);
    else if (!lowerIds.has(target)) problems.push(`alias ${alias} → ${first}: no such model`);
    else out[alias] = lowerIds.get(target)!;
  }
  return out;
}

type Offer = { provider?: unknown };
type ModelPart = { id?: unknown; offers?: Offer[] };

/**
 * Merges several catalog files. Providers and aliases are concatenated (an alias defined twice
 * with different targets is an error); a model that appears in several files is one model whose
 * offers are the union (its first file's description wins), so two files may each add their
 * providers' offers for a popular model. A repeated identical offer counts once.
 */
export function mergeCatalogJson(files: unknown[]): unknown {
  const out = { providers: [] as unknown[], models: [] as ModelPart[], aliases: {} as Record<string, unknown> };
  const byId = new Map<unknown, ModelPart>();
  for (const f of files) {
    const part = f as { providers?: unknown[]; models?: ModelPart[]; aliases?: Record<string, unknown> };
    out.providers.push(...(part.providers ?? []));
    for (const model of part.models ?? []) {
      const known = byId.get(model.id);
      if (!known) {
        const copy = { ...model, offers: [...(model.offers ?? [])] };
        byId.set(model.id, copy);
        out.models.push(copy);
        continue;
      }
      for (const offer of model.offers ?? []) {
        const twin = known.offers!.find((o) => o.provider === offer.provider);
        if (!twin || JSON.stringify(twin) !== JSON.stringify(offer)) known.offers!.push(offer);
      }
    }
    for (const [alias, target] of Object.entries(part.aliases ?? {})) {
      const key = alias.toLowerCase();
      if (key in out.aliases && out.aliases[key] !== target) {
        throw new Error(`catalog data is invalid:\n  alias ${alias} is defined twice (${String(out.aliases[key])}, ${String(target)})`);
      }
      out.aliases[key] = target;
    }
  }
  return out;
}

/**
 * The catalog: every `*.json` in the data folder (catalog.json first, then by name), merged and
 * checked as one. Splitting lets each area keep its own file (e.g. media models).
 */
export function loadCatalogFile(dir = findCatalogDir()): CatalogData {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort((a, b) => (a === 'catalog.json' ? -1 : b === 'catalog.json' ? 1 : a.localeCompare(b)));
  return parseCatalog(mergeCatalogJson(files.map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')))));
}

/** The data folder beside the source, or found from a bundle under dist/ (or $CATALOG_DIR). */
export function findCatalogDir(): string {
  if (process.env.CATALOG_DIR) return process.env.CATALOG_DIR;
  let dir = __dirname;
  for (;;) {
    for (const candidate of [path.join(dir, 'libs/catalog/data'), path.join(dir, 'data')]) {
      if (existsSync(path.join(candidate, 'catalog.json'))) return candidate;
    }
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find libs/catalog/data; set CATALOG_DIR');
    dir = parent;
  }
}
