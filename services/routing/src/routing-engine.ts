import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CatalogIndex, CatalogPrice, ModelRow, RouteEntry } from '@gatewayz/catalog';
import { GatewayError, errors } from '@gatewayz/errors';
import {
  ProviderSort,
  type ModelInfoSchema,
  type PriceSchema,
  type ProviderPreferences,
  type ResolveRequest,
  type ResolveResponseSchema,
  type RouteSchema,
  type RouterDecisionSchema,
  type RouterInput,
} from '@gatewayz/proto';
import { unsupportedParameters } from '@gatewayz/providers';
import {
  NO_PREFERENCES,
  blendedPrice,
  buildChain,
  resolveModel,
  type CandidateLookup,
  type ChainContext,
  type ChainResult,
  type CodeRouter,
  type GeneralRouter,
  type Priors,
  type RouterDecisionFields,
  type RouterInputFields,
  type RoutingPreferences,
  type RoutingRules,
} from '@gatewayz/routing';
import type { LiveState } from './live-state';
import type { SplitConfig } from './split-store';

type ResolveResponseInit = MessageInitShape<typeof ResolveResponseSchema>;
type RouteInit = MessageInitShape<typeof RouteSchema>;

export function price(p: CatalogPrice): MessageInitShape<typeof PriceSchema> {
  return {
    promptPerMtok: p.promptPerMtok,
    completionPerMtok: p.completionPerMtok,
    cacheReadPerMtok: p.cacheReadPerMtok ?? p.promptPerMtok,
    cacheWritePerMtok: p.cacheWritePerMtok ?? p.promptPerMtok,
    perRequest: p.perRequest ?? 0n,
    perImage: p.perImage ?? 0n,
    perAudioSecond: p.perAudioSecond ?? 0n,
    perMillionChars: p.perMillionChars ?? 0n,
  };
}

export function modelInfo(model: ModelRow, chain: RouteEntry[]): MessageInitShape<typeof ModelInfoSchema> {
  return {
    id: model.id,
    name: model.name,
    ownedBy: model.ownedBy,
    contextLength: model.contextLength,
    maxOutputTokens: model.maxOutputTokens,
    simulated: model.simulated,
    created: Math.floor(model.createdAt.getTime() / 1000),
    providers: chain.map((r) => r.provider),
    price: chain[0] ? price(chain[0].price) : undefined,
    modality: model.modality,
  };
}

const NO_BYOK: ReadonlySet<string> = new Set();

const SORTS: Record<number, RoutingPreferences['sort']> = {
  [ProviderSort.PRICE]: 'price',
  [ProviderSort.LATENCY]: 'latency',
  [ProviderSort.THROUGHPUT]: 'throughput',
};

export function preferencesFrom(p: ProviderPreferences | undefined): RoutingPreferences {
  if (!p) return NO_PREFERENCES;
  const m = p.maxPrice;
  return {
    order: p.order,
    only: p.only,
    ignore: p.ignore,
    allowFallbacks: p.allowFallbacks ?? true,
    sort: SORTS[p.sort],
    maxPrice: m
      ? { promptPerMtok: m.promptPerMtok, completionPerMtok: m.completionPerMtok, perRequest: m.perRequest, perImage: m.perImage }
      : undefined,
    requireParameters: p.requireParameters,
  };
}

export function routerInputFields(input: RouterInput | undefined): RouterInputFields {
  return {
    prompt: input?.prompt ?? '',
    systemPrompt: input?.systemPrompt ?? '',
    messageCount: input?.messageCount ?? 0,
    totalChars: input?.totalChars ?? 0,
    hasTools: input?.hasTools ?? false,
    hasImages: input?.hasImages ?? false,
  };
}

function decisionInit(d: RouterDecisionFields): MessageInitShape<typeof RouterDecisionSchema> {
  return { ...d, candidates: d.candidates.map((c) => ({ ...c })) };
}

function chainFailure(model: string, failure: Extract<ChainResult, { ok: false }>, param: string): GatewayError {
  if (failure.reason === 'preferences') {
    return new GatewayError({ code: 'no_matching_provider', status: 400, param, message: `${failure.detail} Relax 'provider' (only, ignore, max_price, require_parameters, allow_fallbacks) or choose another model.` });
  }
  if (failure.reason === 'breakers') {
    const seconds = Math.max(1, Math.ceil(((failure.retryAt ?? Date.now()) - Date.now()) / 1000));
    return new GatewayError({ code: 'no_provider_available', status: 503, message: `${failure.detail} Retry after ${seconds}s.`, headers: { 'retry-after': String(seconds) } });
  }
  return errors.noProviderAvailable(model);
}

export interface RoutingEngineDeps {
  /** The catalog in use (CatalogStore swaps it on refresh). */
  store: { readonly current: CatalogIndex };
  rules: RoutingRules;
  live: LiveState;
  splits: { get(modelId: string): SplitConfig | undefined };
  priors: Priors;
  general: GeneralRouter;
  code: CodeRouter;
}

/**
 * Resolve, end to end: routers (router:general:*, router:code:*), the resolution pipeline,
 * chains per model (family rules, preferences, health, breakers), `fallback_models` appended,
 * split weights on the primary model's routes. Deterministic for a given live state, so the
 * edge may cache the answer; per-request draws happen after (planChain).
 */
export class RoutingEngine {
  constructor(private readonly deps: RoutingEngineDeps) {}

  /** `byok`: providers the caller holds their own key for — usable even without a gateway key. */
  private context(byok: ReadonlySet<string> = NO_BYOK): ChainContext {
    const { live, rules, store } = this.deps;
    const index = store.current;
    return {
      rules,
      now: Date.now(),
      isEnabled: (p) => byok.has(p) || index.isEnabled(p),
      health: (p, m) => live.health(p, m),
      openUntil: (p, m) => live.openUntil(p, m),
      unsupported: (r) => unsupportedParameters(r.provider, r.adapter),
      promotionThreshold: live.threshold,
    };
  }

  benchmarkNames(): Record<string, string> {
    return this.deps.priors.benchmarkNames;
  }

  /** What the routers know about a model now: servable (a chain without open breakers), price, live latency. */
  candidateLookup(): CandidateLookup {
    const ctx = this.context();
    const index = this.deps.store.current;
    const cache = new Map<string, ReturnType<CandidateLookup>>();
    return (model) => {
      if (cache.has(model)) return cache.get(model);
      const entry = index.entry(model);
      let info: ReturnType<CandidateLookup>;
      if (entry) {
        const chain = buildChain({ entry, preferred: this.deps.rules.preferredProviders(entry.row.id), prefs: NO_PREFERENCES, parameters: [] }, ctx);
        if (chain.ok) {
          const ttfts = chain.routes.flatMap((r) => {
            const t = ctx.health(r.provider, r.model)?.p50TtftMs;
            return t === undefined ? [] : [t];
          });
          info = { blendedPricePerMtok: blendedPrice(chain.routes[0]!.price), liveTtftMs: ttfts.length ? Math.min(...ttfts) : undefined };
        }
      }
      cache.set(model, info);
      return info;
    };
  }

  /** router:<kind>:<mode> → the router's decision (400 for an unknown router or mode). */
  route(model: string, input: RouterInputFields, param = 'model'): RouterDecisionFields {
    const [, kind = '', mode = ''] = model.trim().toLowerCase().split(':');
    const router = kind === 'general' ? this.deps.general : kind === 'code' ? this.deps.code : undefined;
    if (!router) throw errors.invalidRequest(`Unknown router '${model}'. Use router:general:<mode> or router:code:<mode>.`, param, 'invalid_router');
    if (!router.isMode(mode)) {
      const modes = router.modes.map((m) => m.mode).join(', ');
      throw errors.invalidRequest(`Unknown ${kind} router mode '${mode}'. Modes: ${modes}.`, param, 'invalid_router');
    }
    return router.choose(mode, input, this.candidateLookup());
  }

  resolve(request: ResolveRequest): ResolveResponseInit {
    const index = this.deps.store.current;
    const byok = new Set(request.byokProviders);
    const ctx = this.context(byok);
    const prefs = preferencesFrom(request.provider);
    let decision: RouterDecisionFields | undefined;
    let primary = request.model;
    if (primary.trim().toLowerCase().startsWith('router:')) {
      decision = this.route(primary, routerInputFields(request.routerInput));
      primary = decision.selectedModel;
    }
    const names = [primary, ...request.fallbackModels];
    const routes: RouteEntry[] = [];
    const models = new Map<string, ModelRow>();
    let firstFailure: { model: string; failure: Extract<ChainResult, { ok: false }>; param: string } | undefined;
    names.forEach((name, i) => {
      const param = i === 0 ? 'model' : `models[${i - 1}]`;
      const resolution = resolveModel(index, this.deps.rules, name);
      if (!resolution.ok) {
        if (resolution.reason === 'no_free_variant') {
          throw new GatewayError({ code: 'model_not_found', status: 404, param, message: `The model '${resolution.canonical}' has no free variant (':free').` });
        }
        if (i === 0 && decision) throw errors.noProviderAvailable(name);
        const err = errors.modelNotFound(name);
        throw new GatewayError({ code: err.code, status: err.status, message: err.message, param });
      }
      const variantSort = resolution.variant === 'nitro' ? 'throughput' : resolution.variant === 'floor' ? 'price' : undefined;
      const chain = buildChain(
        {
          entry: resolution.entry,
          // The caller's own keys (BYOK) come first: they pay those providers directly.
          preferred: [...request.byokProviders.filter((p) => resolution.entry.routes.some((r) => r.provider === p)), ...resolution.preferred],
          prefs: { ...prefs, sort: prefs.sort ?? variantSort },
          parameters: request.parameters,
        },
        ctx,
      );
      if (!chain.ok) {
        firstFailure ??= { model: resolution.entry.row.id, failure: chain, param: i === 0 ? 'provider' : param };
        return;
      }
      models.set(resolution.entry.row.id, resolution.entry.row);
      for (const r of chain.routes) {
        if (!routes.some((x) => x.provider === r.provider && x.model === r.model)) routes.push(r);
      }
    });
    if (routes.length === 0) throw chainFailure(firstFailure!.model, firstFailure!.failure, firstFailure!.param);

    const lead = models.get(routes[0]!.model)!;
    const split = !prefs.sort && prefs.order.length === 0 ? this.deps.splits.get(lead.id) : undefined;
    const chain: RouteInit[] = routes.map((r) => ({
      provider: r.provider,
      nativeModel: r.nativeModel,
      adapter: r.adapter,
      baseUrl: r.baseUrl,
      price: price(r.price),
      model: r.model,
      maxOutputTokens: models.get(r.model)!.maxOutputTokens,
      splitWeight: split && r.model === lead.id ? (split.weights.get(r.provider) ?? 0) : 0,
    }));
    return {
      model: modelInfo(lead, routes.filter((r) => r.model === lead.id)),
      chain,
      router: decision ? decisionInit(decision) : undefined,
      splitSticky: split?.sticky ?? false,
    };
  }
}
