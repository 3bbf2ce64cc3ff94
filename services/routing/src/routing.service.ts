import type { CatalogIndex } from '@gatewayz/catalog';
import type { RoutingService } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import { modelInfo, type RoutingEngine } from './routing-engine';

export function routingServiceImpl(store: { readonly current: CatalogIndex }, engine: RoutingEngine): ServiceImpl<typeof RoutingService> {
  return {
    async resolve(request) {
      return engine.resolve(request);
    },
    async listModels() {
      return { models: store.current.listServable().map(({ model, chain }) => modelInfo(model, chain)) };
    },
  };
}
