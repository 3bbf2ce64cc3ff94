import { setTimeout as sleep } from 'node:timers/promises';
import { toJson } from '@bufbuild/protobuf';
import type { Bus } from '@gatewayz/bus';
import type { Logger } from '@gatewayz/logger';
import { UsageRecordedSchema, type UsageRecorded } from '@gatewayz/proto';

export const USAGE_STREAM = { name: 'USAGE', subjects: ['usage.>'], maxAgeMs: 7 * 24 * 3600_000, duplicateWindowMs: 24 * 3600_000 };
export const USAGE_SUBJECT = 'usage.recorded';

/**
 * Publishes usage.recorded off the hot path. Events wait in an in-process queue until JetStream
 * acknowledges them (Nats-Msg-Id = request id, so a retry after a lost ack is dropped by the
 * server as a duplicate); while NATS is down they are retried with backoff, never blocking a
 * request. `close()` drains the queue before shutdown.
 */
export class UsagePublisher {
  private readonly queue: UsageRecorded[] = [];
  private inFlight = 0;
  /** Consecutive failed publishes; the retry delay doubles with each, up to 5 s. */
  private failures = 0;
  private waiting = false;

  constructor(
    private readonly bus: () => Bus | undefined,
    private readonly logger: Logger,
    private readonly options: { maxQueued: number; concurrency: number } = { maxQueued: 200_000, concurrency: 64 },
  ) {}

  get pending(): number {
    return this.queue.length + this.inFlight;
  }

  publish(event: UsageRecorded): void {
    if (this.queue.length >= this.options.maxQueued) {
      this.logger.error('usage queue full; dropping the oldest event', { request_id: this.queue[0]?.requestId });
      this.queue.shift();
    }
    this.queue.push(event);
    this.pump();
  }

  private pump(): void {
    if (this.waiting) return;
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) {
      const bus = this.bus();
      if (!bus) {
        this.retryLater();
        return;
      }
      const event = this.queue.shift()!;
      this.inFlight++;
      bus
        .publish(USAGE_SUBJECT, toJson(UsageRecordedSchema, event), { msgId: event.requestId, timeoutMs: 5_000 })
        .then(
          () => {
            this.failures = 0;
          },
          (err: unknown) => {
            this.queue.unshift(event);
            if (this.failures === 0) this.logger.warn('usage publish failed; will retry', { err: (err as Error).message });
            this.failures++;
            this.retryLater();
          },
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }

  private retryLater(): void {
    if (this.waiting) return;
    this.waiting = true;
    const delay = Math.min(100 * 2 ** Math.min(this.failures, 6), 5_000);
    void sleep(delay).then(() => {
      this.waiting = false;
      this.pump();
    });
  }

  /** Waits until every queued event is acknowledged, up to `timeoutMs`. */
  async drain(timeoutMs: number): Promise<boolean> {
    const until = Date.now() + timeoutMs;
    while (this.pending > 0 && Date.now() < until) {
      this.pump();
      await sleep(20);
    }
    if (this.pending > 0) this.logger.error('usage events not yet published at shutdown', { pending: this.pending });
    return this.pending === 0;
  }
}
