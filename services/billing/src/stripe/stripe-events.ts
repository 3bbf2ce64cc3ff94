import type { Tx } from '../ledger/account-row';

/** The Stripe event being applied; recorded in stripe_events in the same transaction. */
export interface EventMark {
  id: string;
  type: string;
  objectId?: string;
  created: number;
}

/** true the first time: the caller goes on; false: this event was applied before. */
export async function markEvent(tx: Tx, mark: EventMark | undefined): Promise<boolean> {
  if (!mark) return true;
  const inserted = await tx.$executeRaw`
    INSERT INTO stripe_events (id, type, object_id, stripe_created_at)
    VALUES (${mark.id}, ${mark.type}, ${mark.objectId ?? null}, ${new Date(mark.created * 1000)})
    ON CONFLICT (id) DO NOTHING`;
  return inserted === 1;
}

export const HANDLED_EVENT_TYPES = [
  'checkout.session.completed',
  'checkout.session.async_payment_succeeded',
  'payment_intent.succeeded',
  'charge.succeeded',
  'charge.refunded',
  'invoice.paid',
  'customer.subscription.created',
  'customer.subscription.updated',
  'customer.subscription.deleted',
] as const;
