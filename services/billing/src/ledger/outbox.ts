import { toJson, type DescMessage, type MessageShape } from '@bufbuild/protobuf';
import type { Prisma } from '@gatewayz/db';
import { CreditsDepletedSchema, CreditsLowSchema, PlanChangedSchema } from '@gatewayz/proto';
import type { Tx } from './account-row';

/**
 * Domain events are written to billing_outbox in the transaction that causes them, and a relay
 * publishes them to JetStream (stream EVENTS) afterwards: a committed change always gets its
 * event, and a rolled-back one never does. Nats-Msg-Id: `<subject>:<user_id>:<key>`.
 */
export const SUBJECTS = {
  planChanged: 'billing.plan.changed',
  creditsLow: 'billing.credits.low',
  creditsDepleted: 'billing.credits.depleted',
} as const;

export interface OutboxEvent {
  subject: string;
  msgId: string;
  payload: Prisma.InputJsonValue;
}

function event<S extends DescMessage>(schema: S, subject: string, key: string, message: MessageShape<S> & { userId: string }): OutboxEvent {
  return { subject, msgId: `${subject}:${message.userId}:${key}`, payload: toJson(schema, message) as Prisma.InputJsonValue };
}

export function planChangedEvent(input: { userId: string; plan: string; at: Date }): OutboxEvent {
  return event(PlanChangedSchema, SUBJECTS.planChanged, String(input.at.getTime()), {
    $typeName: 'gatewayz.events.v1.PlanChanged',
    userId: input.userId,
    plan: input.plan,
    occurredAtMs: BigInt(input.at.getTime()),
  });
}

export function creditsLowEvent(input: { userId: string; availableMicros: bigint; thresholdMicros: bigint; requestId: string; at: Date }): OutboxEvent {
  return event(CreditsLowSchema, SUBJECTS.creditsLow, input.requestId, {
    $typeName: 'gatewayz.events.v1.CreditsLow',
    userId: input.userId,
    availableMicros: input.availableMicros,
    thresholdMicros: input.thresholdMicros,
    occurredAtMs: BigInt(input.at.getTime()),
  });
}

export function creditsDepletedEvent(input: { userId: string; requestId: string; at: Date }): OutboxEvent {
  return event(CreditsDepletedSchema, SUBJECTS.creditsDepleted, input.requestId, {
    $typeName: 'gatewayz.events.v1.CreditsDepleted',
    userId: input.userId,
    occurredAtMs: BigInt(input.at.getTime()),
  });
}

export async function enqueue(tx: Tx, events: OutboxEvent[]): Promise<void> {
  if (events.length === 0) return;
  await tx.billingOutbox.createMany({ data: events, skipDuplicates: true });
}
