import { existsSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { dollarsToMicros } from './money';

const dollars = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a decimal dollar amount like "2.50"');

const offerSchema = z.object({
  provider: z.string().min(1),
  native_id: z.string().min(1),
  /** Per million input tokens (chat, embeddings). */
  prompt: dollars.default('0'),
  /** Per million output tokens (chat). */
  completion: dollars.default('0'),
  cache_read: dollars.optional(),
  cache_write: dollars.optional(),
  per_request: dollars.optional(),
  per_image: dollars.optional(),
  /** Transcription, per second of audio. */
  per_audio_second: dollars.optional(),
  /** Speech, per million characters of input text. */
  per_million_chars: dollars.optional(),
  /** Explicitly free through this provider only (e.g. a self-hosted server). */
  free: z.boolean().optional(),
});

/**
 * What a model takes and gives, as OpenRouter writes it; it decides which endpoint serves the
 * model and which price makes it non-free.
 */
export const MODALITIES = ['text->text', 'text+image->text', 'text->embedding', 'text->image', 'audio->text', 'text->audio'] as const;
export type Modality = (typeof MODALITIES)[number];

type Offer = z.infer<typeof offerSchema>;

/** What a model of each modality is billed by (a parsed offer's micro-dollar prices). */
export const BILLED_UNITS: Record<Modality, (p: CatalogPrice) => (bigint | null)[]> = {
  'text->text': (p) => [p.promptPerMtok, p.completionPerMtok],
  'text+image->text': (p) => [p.promptPerMtok, p.completionPerMtok],
  'text->embedding': (p) => [p.promptPerMtok],
  'text->image': (p) => [p.perImage],
  'audio->text': (p) => [p.perAudioSecond],
  'text->audio': (p) => [p.perMillionChars],
};

/** The prices a model of each modality must have (non-zero) unless it is marked free. */
const REQUIRED_PRICES: Record<Modality, (o: Offer) => (string | undefined)[]> = {
  'text->text': (o) => [o.prompt, o.completion],
  'text+image->text': (o) => [o.prompt, o.completion],
  'text->embedding': (o) => [o.prompt],
  'text->image': (o) => [o.per_image],
  'audio->text': (o) => [o.per_audio_second],
  'text->audio': (o) => [o.per_million_chars],
};

const fileSchema = z.object({
  providers: z.array(
    z.object({
      slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
      name: z.string().min(1),
      /** Adapter family in provider-proxy (libs/providers registry.ts ADAPTER_FAMILIES). */
      adapter: z.enum(['openai-compatible', 'anthropic', 'gemini', 'vertex', 'cohere', 'bedrock', 'sim']),
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
      /** 0 where it does not apply (transcription: the input is audio). */
      context_length: z.number().int().nonnegative(),
      /** 0 for models that produce no tokens (embeddings, images, speech). */
      max_output_tokens: z.number().int().nonnegative(),
      modality: z.enum(MODALITIES).default('text->text'),
      simulated: z.boolean().optional(),
      /** Explicitly free: the only way a model may have zero prices. */
      free: z.boolean().optional(),
      offers: z.array(offerSchema).min(1),
    }),
  ),
  aliases: z.record(z.string(), z.string()),
  /**
   * More offers for models defined in any file (so a file adding providers can offer models
   * it does not own, e.g. another host for meta-llama/llama-3.3-70b-instruct).
   */
  offers: z.array(offerSchema.extend({ model: z.string().min(1) })).optional(),
});

export interface CatalogPrice {
  promptPerMtok: bigint;
  completionPerMtok: bigint;
  cacheReadPerMtok: bigint | null;
  cacheWritePerMtok: bigint | null;
  perRequest: bigint | null;
  perImage: bigint | null;
  perAudioSecond: bigint | null;
  perMillionChars: bigint | null;
}

export interface CatalogData {
  providers: { slug: string; name: string; adapter: string; baseUrl: string; priority: number; siteUrl: string | null }[];
  models: {
    id: string;
    name: string;
    ownedBy: string;
    contextLength: number;
    maxOutputTokens: number;
    modality: Modality;
    simulated: boolean;
    /** `free`: declared free (the model, or this offer): the only way a unit price may be 0. */
    offers: ({ provider: string; nativeId: string; free: boolean } & CatalogPrice)[];
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
  for (const extra of data.offers ?? []) {
    const { model: id, ...offer } = extra;
    const model = data.models.find((m) => m.id === id);
    if (!model) problems.push(`offer of ${offer.provider}: unknown model ${id}`);
    else if (model.offers.some((o) => o.provider === offer.provider)) problems.push(`${id}: two offers from ${offer.provider}`);
    else model.offers.push(offer);
  }
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
      const prices = REQUIRED_PRICES[model.modality](offer);
      if (!model.free && !offer.free && prices.some((p) => p === undefined || dollarsToMicros(p) === 0n)) {
        problems.push(`${model.id} via ${offer.provider}: zero price on a model or offer not marked free`);
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
      modality: m.modality,
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
        perAudioSecond: opt(o.per_audio_second),
        perMillionChars: opt(o.per_million_chars),
        free: (m.free ?? false) || (o.free ?? false),
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

type OfferPart = { provider?: unknown };
type ModelPart = { id?: unknown; offers?: OfferPart[] };

/**
 * Merges several catalog files. Providers and aliases are concatenated (an alias defined twice
 * with different targets is an error); a model that appears in several files is one model whose
 * offers are the union (its first file's description wins), so two files may each add their
 * providers' offers for a popular model. A repeated identical offer counts once.
 */
export function mergeCatalogJson(files: unknown[]): unknown {
  const out = { providers: [] as unknown[], models: [] as ModelPart[], aliases: {} as Record<string, unknown>, offers: [] as unknown[] };
  const byId = new Map<unknown, ModelPart>();
  for (const f of files) {
    const part = f as { providers?: unknown[]; models?: ModelPart[]; aliases?: Record<string, unknown>; offers?: unknown[] };
    out.providers.push(...(part.providers ?? []));
    // Offers for a model another file defines (a new host serving an existing model).
    out.offers.push(...(part.offers ?? []));
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
