import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CatalogPrice, ModelRow, RouteEntry } from '@gatewayz/catalog';
import { errors } from '@gatewayz/errors';
import type { ModelInfoSchema, PriceSchema, RoutingService } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import type { CatalogStore } from './catalog-store';

function price(p: CatalogPrice): MessageInitShape<typeof PriceSchema> {
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

function modelInfo(model: ModelRow, chain: RouteEntry[]): MessageInitShape<typeof ModelInfoSchema> {
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

export function routingServiceImpl(store: CatalogStore): ServiceImpl<typeof RoutingService> {
  return {
    async resolve(request) {
      const resolution = store.current.resolve(request.model, new Set(request.byokProviders));
      if (!resolution.ok) {
        if (resolution.reason === 'no_provider') throw errors.noProviderAvailable(resolution.canonical ?? request.model);
        throw errors.modelNotFound(request.model);
      }
      return {
        model: modelInfo(resolution.model, resolution.chain),
        chain: resolution.chain.map((r) => ({
          provider: r.provider,
          nativeModel: r.nativeModel,
          adapter: r.adapter,
          baseUrl: r.baseUrl,
          price: price(r.price),
        })),
      };
    },
    async listModels() {
      return { models: store.current.listServable().map(({ model, chain }) => modelInfo(model, chain)) };
    },
  };
}
