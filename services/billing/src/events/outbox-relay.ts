import type { Bus } from '@gatewayz/bus';
import type { PrismaClient } from '@gatewayz/db';
import type { Logger } from '@gatewayz/logger';

/**
 * Publishes billing_outbox rows to JetStream (Nats-Msg-Id from the row, so a publish repeated
 * after a crash is dropped by the server as a duplicate) and deletes them. Replicas share the
 * work with FOR UPDATE SKIP LOCKED. Runs on a timer and whenever poked after a commit.
 */
export class OutboxRelay {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;
  private failures = 0;
  private closed = false;

  constructor(
    private readonly prisma: PrismaClient,
    private readonly bus: () => Bus | undefined,
    private readonly logger: Logger,
    private readonly intervalMs = 1_000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.poke(), this.intervalMs);
    this.timer.unref();
    this.poke();
  }

  poke(): void {
    if (this.closed) return; // rows written from now on are another replica's (or the next start's)
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.drain().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.poke();
      }
    });
  }

  private async drain(): Promise<void> {
    const bus = this.bus();
    if (!bus?.connected) return;
    try {
      while ((await this.runOnce(bus)) > 0);
      this.failures = 0;
    } catch (err) {
      if (this.failures++ === 0) this.logger.warn('outbox publish failed; will retry', { err: (err as Error).message });
    }
  }

  async runOnce(bus: Bus, limit = 200): Promise<number> {
    return this.prisma.$transaction(
      async (tx) => {
        const rows = await tx.$queryRaw<{ id: bigint; subject: string; msg_id: string; payload: unknown }[]>`
          SELECT id, subject, msg_id, payload FROM billing_outbox ORDER BY id LIMIT ${limit} FOR UPDATE SKIP LOCKED`;
        if (rows.length === 0) return 0;
        // In order: consumers (identity's plan projection) see a user's changes as they happened.
        for (const r of rows) await bus.publish(r.subject, r.payload, { msgId: r.msg_id, timeoutMs: 5_000 });
        await tx.$executeRaw`DELETE FROM billing_outbox WHERE id = ANY(${rows.map((r) => r.id)}::bigint[])`;
        return rows.length;
      },
      { maxWait: 10_000, timeout: 30_000 },
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }
}
