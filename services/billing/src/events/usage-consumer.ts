import { setTimeout as sleep } from 'node:timers/promises';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JsMsg } from '@nats-io/jetstream';
import type { Bus } from '@gatewayz/bus';
import type { Logger } from '@gatewayz/logger';
import { UsageRecordedSchema, type UsageRecorded } from '@gatewayz/proto';
import type { SettleSummary } from '../ledger/settlement';
import { USAGE_STREAM, USAGE_SUBJECT } from './streams';

export interface UsageConsumerOptions {
  durable: string;
  batchSize: number;
  settle: (events: UsageRecorded[]) => Promise<SettleSummary>;
  onSettled?: (summary: SettleSummary, batch: number) => void;
  logger: Logger;
  /** Deliveries after which a message that keeps failing is terminated (and logged). */
  maxDeliver?: number;
}

const ms = (millis: number) => millis * 1_000_000;

/**
 * How long a delivered event may stay unacknowledged before JetStream hands it to another
 * replica. Short, because events held by a replica that stopped (or whose pull was cut while
 * messages were on the wire) wait this long to be settled; safe, because settlement is
 * idempotent (a second delivery while the first is still being written is a no-op).
 */
const ACK_WAIT_MS = 10_000;

/**
 * The durable JetStream consumer of usage.recorded. Messages are pulled continuously and
 * settled in batches (whatever arrived while the previous batch was being written, up to
 * `batchSize`), one Postgres transaction per batch; each message is acked only after its batch
 * committed. A batch that fails is retried message by message so one bad event cannot hold
 * the others back. Survives NATS restarts (the client re-pulls once reconnected).
 */
export class UsageConsumer {
  private readonly queue: JsMsg[] = [];
  private wake: (() => void) | undefined;
  private messages: ConsumerMessages | undefined;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(
    private readonly bus: Bus,
    private readonly options: UsageConsumerOptions,
  ) {}

  async start(): Promise<void> {
    const stream = this.bus.streamName(USAGE_STREAM.name);
    const exists = await this.bus.jsm.consumers.info(stream, this.options.durable).catch(() => undefined);
    if (!exists) {
      await this.bus.jsm.consumers.add(stream, {
        durable_name: this.options.durable,
        ack_policy: AckPolicy.Explicit,
        deliver_policy: DeliverPolicy.All,
        filter_subject: this.bus.subject(USAGE_SUBJECT),
        max_ack_pending: 5_000,
        ack_wait: ms(ACK_WAIT_MS),
      });
    } else if (exists.config.ack_wait !== ms(ACK_WAIT_MS)) {
      await this.bus.jsm.consumers.update(stream, this.options.durable, { ack_wait: ms(ACK_WAIT_MS) });
    }
    this.loops = [this.pull(stream), this.process()];
  }

  private async pull(stream: string): Promise<void> {
    while (!this.stopped) {
      try {
        const consumer = await this.bus.js.consumers.get(stream, this.options.durable);
        this.messages = await consumer.consume({ max_messages: 2_000 });
        for await (const m of this.messages) {
          this.queue.push(m);
          this.wake?.();
        }
      } catch (err) {
        if (!this.stopped) this.options.logger.warn('usage consumer interrupted; resuming', { err: (err as Error).message });
      }
      if (!this.stopped) await sleep(1_000);
    }
  }

  private async process(): Promise<void> {
    while (!this.stopped) {
      if (this.queue.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
        this.wake = undefined;
        continue;
      }
      const batch = this.queue.splice(0, this.options.batchSize);
      await this.handle(batch);
    }
  }

  private decode(batch: JsMsg[]): { msg: JsMsg; event: UsageRecorded }[] {
    const out: { msg: JsMsg; event: UsageRecorded }[] = [];
    for (const msg of batch) {
      try {
        out.push({ msg, event: fromJson(UsageRecordedSchema, msg.json<JsonValue>(), { ignoreUnknownFields: true }) });
      } catch {
        this.options.logger.error('undecodable usage event terminated', { seq: msg.seq });
        msg.term('undecodable');
      }
    }
    return out;
  }

  private async handle(batch: JsMsg[]): Promise<void> {
    const items = this.decode(batch);
    if (items.length === 0) return;
    try {
      const summary = await this.options.settle(items.map((i) => i.event));
      for (const i of items) i.msg.ack();
      this.options.onSettled?.(summary, items.length);
      return;
    } catch (err) {
      if (this.stopped) return;
      this.options.logger.warn('settlement batch failed; retrying one by one', { size: items.length, err: (err as Error).message });
    }
    for (const i of items) {
      try {
        const summary = await this.options.settle([i.event]);
        i.msg.ack();
        this.options.onSettled?.(summary, 1);
      } catch (err) {
        if (i.msg.info.deliveryCount >= (this.options.maxDeliver ?? 50)) {
          this.options.logger.error('usage event terminated after repeated failures', { request_id: i.event.requestId, err });
          i.msg.term('max deliveries');
        } else {
          i.msg.nak(1_000);
        }
      }
    }
  }

  /** Stops pulling; the batch being written finishes (its messages are acked). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    await this.messages?.close().catch(() => undefined);
    await Promise.all(this.loops.map((l) => l.catch(() => undefined)));
    // Messages pulled but not settled are redelivered after ack_wait (or to another replica).
    for (const m of this.queue.splice(0)) m.nak();
  }
}
