import { setTimeout as sleep } from 'node:timers/promises';
import type { Bus, StreamSpec } from '@gatewayz/bus';
import type { Prisma, PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';

/** Identity's JetStream stream (identity.user.registered, ...). */
export const IDENTITY_STREAM: StreamSpec = { name: 'IDENTITY', subjects: ['identity.>'], maxAgeMs: 30 * 24 * 3600_000, duplicateWindowMs: 24 * 3600_000 };
export const USER_REGISTERED_SUBJECT = 'identity.user.registered';

const BATCH = 100;

/**
 * Transactional outbox: an event is written to identity_outbox in the same transaction as the
 * change it announces, so it can never be lost (not by NATS being down, not by a crash). The
 * relay publishes pending rows to JetStream with their Nats-Msg-Id and deletes them once
 * stored; a row published twice (a crash between publish and delete, two replicas) is dropped
 * by JetStream as a duplicate. A request never waits for NATS.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: () => Bus | undefined,
    private readonly logger: Logger,
    private readonly intervalMs = 2_000,
  ) {}

  /** Adds an event inside the caller's transaction. */
  static async enqueue(tx: Prisma.TransactionClient, event: { subject: string; msgId: string; payload: Prisma.InputJsonValue }): Promise<void> {
    await tx.identityOutbox.create({ data: event });
  }

  start(): void {
    this.timer = setInterval(() => this.kick(), this.intervalMs);
    this.timer.unref();
  }

  /** Publishes pending events now (after a commit), or as soon as the current pass ends. */
  kick(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((err: unknown) => {
        this.logger.warn('outbox relay pass failed; will retry', { err: (err as Error).message });
      })
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pass(): Promise<void> {
    for (;;) {
      const bus = this.bus();
      if (!bus) return;
      const rows = await this.prisma.identityOutbox.findMany({ orderBy: { id: 'asc' }, take: BATCH });
      if (rows.length === 0) return;
      for (const row of rows) {
        await bus.publish(row.subject, row.payload, { msgId: row.msgId, timeoutMs: 5_000 });
        await this.prisma.identityOutbox.deleteMany({ where: { id: row.id } });
      }
      if (rows.length < BATCH) return;
    }
  }

  /** Stops the timer and waits for a pass in progress (bounded). */
  async close(timeoutMs = 2_000): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    if (this.running) await Promise.race([this.running, sleep(timeoutMs)]);
  }
}
