import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import type { Bus, StreamSpec } from '@gatewayz/bus';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';
import { loadPlans } from '@gatewayz/plans';
import { PlanChangedSchema } from '@gatewayz/proto';
import type { AuditLog } from '../audit/audit-log';
import type { ApiKeyRepository } from '../auth/api-key.repository';
import type { KeyRevocation } from '../keys/key-revocation';

/** Billing's stream (billing owns it; identity creates it, with billing's spec, if it is missing). */
export const EVENTS_STREAM: StreamSpec = { name: 'EVENTS', subjects: ['billing.>'], maxAgeMs: 30 * 24 * 3600_000, duplicateWindowMs: 24 * 3600_000 };
export const PLAN_CHANGED_SUBJECT = 'billing.plan.changed';
const DURABLE = 'identity-plan-changed';

/**
 * Keeps users.plan (identity's projection of billing's plan) current: a durable JetStream
 * consumer of billing.plan.changed. An event older than the last one applied is ignored
 * (redeliveries can reorder), and the user's cached key records are dropped everywhere so the
 * new plan's limits apply on the next request.
 */
export async function consumePlanChanges(deps: {
  bus: Bus;
  prisma: PrismaClient;
  repository: ApiKeyRepository;
  revocation: KeyRevocation;
  audit: AuditLog;
  logger: Logger;
}): Promise<() => Promise<void>> {
  const { bus, prisma, logger } = deps;
  const exists = await bus.jsm.streams.info(bus.streamName(EVENTS_STREAM.name)).then(
    () => true,
    () => false,
  );
  if (!exists) await bus.ensureStream(EVENTS_STREAM);
  return bus.consume<JsonValue>({
    stream: EVENTS_STREAM.name,
    durable: DURABLE,
    filterSubject: PLAN_CHANGED_SUBJECT,
    handle: async (json) => {
      let event;
      try {
        event = fromJson(PlanChangedSchema, json, { ignoreUnknownFields: true });
      } catch {
        logger.error('undecodable billing.plan.changed skipped');
        return;
      }
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(event.userId)) {
        logger.error('billing.plan.changed without a valid user id; skipped');
        return;
      }
      if (!loadPlans().bySlug(event.plan)) {
        logger.error('billing.plan.changed names an unknown plan; skipped', { plan: event.plan.slice(0, 40), user_id: event.userId });
        return;
      }
      const at = new Date(Number(event.occurredAtMs));
      const applied = await prisma.$transaction(async (tx) => {
        const updated = await tx.$executeRaw`
          UPDATE users SET plan = ${event.plan}, plan_changed_at = ${at}, updated_at = now()
          WHERE id = ${event.userId}::uuid AND (plan_changed_at IS NULL OR plan_changed_at < ${at})`;
        if (updated === 0) return false;
        await deps.audit.record({ eventType: 'plan.changed', subjectUserId: event.userId, targetType: 'user', targetId: event.userId, details: { plan: event.plan } }, tx);
        return true;
      });
      if (!applied) return;
      await deps.revocation.revoke(await deps.repository.hashesOfUser(event.userId), 'plan_changed');
    },
  });
}
