import { setTimeout as sleep } from 'node:timers/promises';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { Bus } from '@gatewayz/bus';
import type { Logger } from '@gatewayz/logger';
import { UserRegisteredSchema, type UsageRecorded } from '@gatewayz/proto';
import type { SettleSummary } from '../ledger/settlement';
import type { Registrations } from './registrations';
import { EVENTS_STREAM, IDENTITY_STREAM, USAGE_STREAM, USER_REGISTERED_SUBJECT, ensureStreamExists } from './streams';
import { UsageConsumer } from './usage-consumer';

export interface BillingBusOptions {
  url: string;
  namespace: string;
  logger: Logger;
  batchSize: number;
  settle: (events: UsageRecorded[]) => Promise<SettleSummary>;
  onSettled: (summary: SettleSummary, batch: number) => void;
  registrations: Registrations;
  onConnected: () => void;
}

/**
 * Billing's NATS side, started in the background (billing answers Authorize without NATS;
 * settlement resumes when NATS is back): streams, the usage settlement consumer and the
 * registration consumer.
 */
export class BillingBus {
  bus: Bus | undefined;
  private usage: UsageConsumer | undefined;
  private stopRegistrations: (() => Promise<void>) | undefined;
  private readonly abort = new AbortController();
  private readonly connecting: Promise<void>;

  constructor(private readonly options: BillingBusOptions) {
    const { logger } = options;
    this.connecting = this.run().catch((err: unknown) => {
      logger.error('billing NATS setup failed', { err });
    });
  }

  private async run(): Promise<void> {
    const { options } = this;
    const bus = await Bus.connectWithRetry({ url: options.url, name: 'billing', namespace: options.namespace, logger: options.logger }, this.abort.signal);
    if (!bus) return;
    this.bus = bus;
    for (let attempt = 0; !this.abort.signal.aborted; attempt++) {
      try {
        await this.setup(bus);
        options.onConnected();
        return;
      } catch (err) {
        if (attempt === 0) options.logger.warn('billing NATS setup failed; retrying', { err: (err as Error).message });
        await sleep(1_000);
      }
    }
  }

  private async setup(bus: Bus): Promise<void> {
    const { options } = this;
    for (const spec of [USAGE_STREAM, EVENTS_STREAM, IDENTITY_STREAM]) await ensureStreamExists(bus, spec);
    if (this.abort.signal.aborted) return;
    if (!this.usage) {
      const usage = new UsageConsumer(bus, { durable: 'billing-settlement', batchSize: options.batchSize, settle: options.settle, onSettled: options.onSettled, logger: options.logger });
      await usage.start();
      this.usage = usage;
    }
    this.stopRegistrations ??= await bus.consume<JsonValue>({
      stream: IDENTITY_STREAM.name,
      durable: 'billing-registrations',
      filterSubject: USER_REGISTERED_SUBJECT,
      handle: async (data) => {
        await options.registrations.apply(fromJson(UserRegisteredSchema, data, { ignoreUnknownFields: true }));
      },
    });
  }

  get connected(): boolean {
    return this.bus?.connected ?? false;
  }

  async close(): Promise<void> {
    this.abort.abort();
    await this.connecting;
    await this.usage?.stop();
    await this.stopRegistrations?.().catch(() => undefined);
    await this.bus?.close();
  }
}
