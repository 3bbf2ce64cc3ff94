import type { BillingService } from '@gatewayz/proto';
import type { ServiceImpl } from '@gatewayz/rpc';
import { accountsRpc } from './accounts.rpc';
import { analyticsRpc } from './analytics.rpc';
import type { BillingCore } from './core';
import { paymentsRpc } from './payments.rpc';
import { promotionsRpc } from './promotions.rpc';

/** BillingService: thin handlers over the billing stores. */
export function billingServiceImpl(core: BillingCore): ServiceImpl<typeof BillingService> {
  return { ...accountsRpc(core), ...paymentsRpc(core), ...promotionsRpc(core), ...analyticsRpc(core) };
}

export type { BillingCore } from './core';
