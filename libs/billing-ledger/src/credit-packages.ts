import { dollarsToMicros } from './units';

/** Credit packages sold through Stripe Checkout (1 credit = $0.01). Prices in cents. */
export interface CreditPackage {
  id: string;
  name: string;
  priceCents: number;
  /** Purchased credits granted, µ$. */
  creditMicros: bigint;
  /** Extra credits on top, granted as a `bonus` row. */
  bonusMicros: bigint;
}

export const CREDIT_PACKAGES: readonly CreditPackage[] = Object.freeze([
  { id: 'credits_10', name: '1,000 credits', priceCents: 1_000, creditMicros: dollarsToMicros('10'), bonusMicros: 0n },
  { id: 'credits_25', name: '2,500 credits', priceCents: 2_500, creditMicros: dollarsToMicros('25'), bonusMicros: 0n },
  { id: 'credits_50', name: '5,000 credits + 250 bonus', priceCents: 5_000, creditMicros: dollarsToMicros('50'), bonusMicros: dollarsToMicros('2.50') },
  { id: 'credits_100', name: '10,000 credits + 1,000 bonus', priceCents: 10_000, creditMicros: dollarsToMicros('100'), bonusMicros: dollarsToMicros('10') },
]);

export function creditPackage(id: string): CreditPackage | undefined {
  return CREDIT_PACKAGES.find((p) => p.id === id);
}
