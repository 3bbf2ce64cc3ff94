import type { MessageInitShape } from '@bufbuild/protobuf';
import { GatewayError, errors } from '@gatewayz/errors';
import { RouterKind, type RoutingPolicyService, type TrafficSplitSchema } from '@gatewayz/proto';
import { blendedPrice, resolveModel, type CodeRouter, type GeneralRouter, type RoutingRules } from '@gatewayz/routing';
import type { ServiceImpl } from '@gatewayz/rpc';
import type { CatalogStore } from './catalog-store';
import { routerInputFields, type RoutingEngine } from './routing-engine';
import type { SplitConfig, SplitStore } from './split-store';

export const MAX_SPLIT_WEIGHT = 1000;

function splitInit(s: SplitConfig): MessageInitShape<typeof TrafficSplitSchema> {
  return {
    model: s.model,
    weights: [...s.weights].map(([provider, weight]) => ({ provider, weight })),
    sticky: s.sticky,
    updatedBy: s.updatedBy,
    updatedAtMs: BigInt(s.updatedAt.getTime()),
  };
}

export interface PolicyServiceDeps {
  store: CatalogStore;
  rules: RoutingRules;
  splits: SplitStore;
  engine: RoutingEngine;
  general: GeneralRouter;
  code: CodeRouter;
  /** Tells every replica and the edge that routing answers changed (routing.changed). */
  announce(reason: string): void;
}

function canonicalModel(deps: PolicyServiceDeps, requested: string): string {
  const r = resolveModel(deps.store.current, deps.rules, requested);
  if (!r.ok || r.variant) throw errors.modelNotFound(requested);
  return r.entry.row.id;
}

/** Traffic-split administration and the routers' introspection (RoutingPolicyService). */
export function policyServiceImpl(deps: PolicyServiceDeps): ServiceImpl<typeof RoutingPolicyService> {
  return {
    async listTrafficSplits() {
      return { splits: deps.splits.list().map(splitInit) };
    },

    async getTrafficSplit(req) {
      const model = canonicalModel(deps, req.model);
      const split = deps.splits.get(model);
      if (!split) throw new GatewayError({ code: 'not_found', status: 404, param: 'model', message: `No traffic split is configured for '${model}'.` });
      return { split: splitInit(split) };
    },

    async setTrafficSplit(req) {
      const model = canonicalModel(deps, req.model);
      const entry = deps.store.current.entry(model)!;
      if (req.weights.length === 0) throw errors.invalidRequest('A split needs at least one provider weight.', 'weights');
      const seen = new Set<string>();
      for (const w of req.weights) {
        const param = `weights.${w.provider}`;
        if (seen.has(w.provider)) throw errors.invalidRequest(`Provider '${w.provider}' appears twice.`, param);
        seen.add(w.provider);
        if (!entry.routes.some((r) => r.provider === w.provider)) {
          const serving = entry.routes.map((r) => r.provider).join(', ');
          throw errors.invalidRequest(`Provider '${w.provider}' does not serve '${model}' (it is served by: ${serving}).`, param);
        }
        if (w.weight < 1 || w.weight > MAX_SPLIT_WEIGHT) throw errors.invalidRequest(`Weights are integers from 1 to ${MAX_SPLIT_WEIGHT}.`, param);
      }
      await deps.splits.set({ model, weights: req.weights.map((w) => ({ provider: w.provider, weight: w.weight })), sticky: req.sticky, updatedBy: req.updatedBy });
      deps.announce('splits');
      return { split: splitInit(deps.splits.get(model)!) };
    },

    async deleteTrafficSplit(req) {
      const model = canonicalModel(deps, req.model);
      if (!(await deps.splits.delete(model))) {
        throw new GatewayError({ code: 'not_found', status: 404, param: 'model', message: `No traffic split is configured for '${model}'.` });
      }
      deps.announce('splits');
      return { model };
    },

    async getGeneralRouterOptions() {
      const lookup = deps.engine.candidateLookup();
      return {
        modes: deps.general.modes.map((m) => ({
          mode: m.mode,
          description: m.description,
          defaultModel: m.defaultModel,
          qualityWeight: m.weights.quality,
          priceWeight: m.weights.price,
          latencyWeight: m.weights.latency,
        })),
        modelPool: deps.general.pool(lookup),
        tasks: deps.general.tasks,
        benchmarks: Object.values(deps.engine.benchmarkNames()),
      };
    },

    async listCodeRouterTiers() {
      const lookup = deps.engine.candidateLookup();
      const index = deps.store.current;
      return {
        tiers: deps.code.tiers().map((t) => ({
          ...t,
          models: t.models.map((m) => {
            const info = lookup(m.model);
            const entry = index.entry(m.model);
            return {
              model: m.model,
              sweBench: m.sweBench ?? 0,
              humaneval: m.humaneval ?? 0,
              agentic: m.agentic,
              blendedPricePerMtok: info?.blendedPricePerMtok ?? (entry?.routes[0] ? blendedPrice(entry.routes[0].price) : 0n),
              available: info !== undefined,
            };
          }),
        })),
        modes: deps.code.modes,
      };
    },

    async testRouter(req) {
      const kind = req.kind === RouterKind.CODE ? 'code' : req.kind === RouterKind.GENERAL ? 'general' : '';
      if (!kind) throw errors.invalidRequest('kind must be GENERAL or CODE.', 'kind');
      const decision = deps.engine.route(`router:${kind}:${req.mode}`, routerInputFields(req.input), 'mode');
      return { decision: { ...decision, candidates: decision.candidates.map((c) => ({ ...c })) } };
    },
  };
}
