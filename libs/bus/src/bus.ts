import { connect, headers as natsHeaders, type MsgHdrs, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import {
  AckPolicy,
  DeliverPolicy,
  RetentionPolicy,
  StorageType,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
} from '@nats-io/jetstream';
import type { Logger } from '@gatewayz/logger';
import { context as otelContext, extractContext, injectContext, type Carrier } from '@gatewayz/tracing';

const ms = (millis: number) => millis * 1_000_000; // NATS durations are nanoseconds

export interface BusOptions {
  url: string;
  name: string;
  namespace: string;
  logger: Logger;
  timeoutMs?: number;
}

export interface StreamSpec {
  /** Stream name without namespace, e.g. "USAGE". */
  name: string;
  /** Subjects without namespace, e.g. ["usage.>"]. */
  subjects: string[];
  maxAgeMs: number;
  /** Window in which a repeated Nats-Msg-Id is dropped as a duplicate. */
  duplicateWindowMs: number;
}

export interface ConsumeOptions<T> {
  stream: string;
  durable: string;
  /** Subject without namespace. */
  filterSubject: string;
  /** Settle the message; throwing makes it redeliver after `retryDelayMs`. */
  handle: (data: T, msg: JsMsg) => Promise<void>;
  maxAckPending?: number;
  ackWaitMs?: number;
  retryDelayMs?: number;
  /** Messages delivered more than this many times are terminated and logged. */
  maxDeliver?: number;
}

function headerCarrier(h: MsgHdrs): Carrier {
  return {
    get: (key) => (h.has(key) ? h.get(key) : undefined),
    set: (key, value) => h.set(key, value),
    keys: () => [...h.keys()],
  };
}

/**
 * NATS for the mesh: JetStream where loss is not allowed (publish with Nats-Msg-Id, durable
 * pull consumers, ack after the handler commits), core NATS for signals. Names are prefixed by
 * the namespace (GATEWAYZ_NAMESPACE) so several stacks or test runs can share a server.
 */
export class Bus {
  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly jsm: JetStreamManager,
    readonly namespace: string,
    private readonly logger: Logger,
  ) {}

  /** Connects once it can: retries every second until it succeeds or `signal` aborts. */
  static async connectWithRetry(options: BusOptions, signal: AbortSignal): Promise<Bus | undefined> {
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const bus = await Bus.connect({ ...options, timeoutMs: 2_000 });
        if (signal.aborted) {
          await bus.close();
          return undefined;
        }
        return bus;
      } catch (err) {
        if (attempt === 0) options.logger.warn('NATS unreachable; retrying in the background', { err: (err as Error).message });
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
    return undefined;
  }

  /** Connects (and, once connected, keeps reconnecting for ever). */
  static async connect(options: BusOptions): Promise<Bus> {
    const nc = await connect({
      servers: options.url,
      name: options.name,
      reconnect: true,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 500,
      timeout: options.timeoutMs ?? 5_000,
    });
    const jsm = await jetstreamManager(nc, { timeout: 5_000 });
    const js = jetstream(nc, { timeout: 5_000 });
    const bus = new Bus(nc, js, jsm, options.namespace, options.logger);
    void bus.watchStatus();
    return bus;
  }

  private async watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') this.logger.warn(`nats ${s.type}`);
    }
  }

  subject(name: string): string {
    return `${this.namespace}.${name}`;
  }

  streamName(name: string): string {
    return `${this.namespace.replace(/[^A-Za-z0-9_-]/g, '_')}_${name}`;
  }

  get connected(): boolean {
    return !this.nc.isClosed() && this.nc.status !== undefined && !this.nc.isDraining();
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    const config = {
      name: this.streamName(spec.name),
      subjects: spec.subjects.map((s) => this.subject(s)),
      retention: RetentionPolicy.Limits,
      storage: StorageType.File,
      max_age: ms(spec.maxAgeMs),
      duplicate_window: ms(spec.duplicateWindowMs),
    };
    try {
      await this.jsm.streams.info(config.name);
      await this.jsm.streams.update(config.name, config);
    } catch {
      await this.jsm.streams.add(config);
    }
  }

  /** JetStream publish; resolves once the server stored it (or recognized the duplicate). */
  async publish(subject: string, data: unknown, options: { msgId: string; timeoutMs?: number }): Promise<PubAck> {
    const h = natsHeaders();
    injectContext(headerCarrier(h));
    return this.js.publish(this.subject(subject), JSON.stringify(data), {
      msgID: options.msgId,
      headers: h,
      timeout: options.timeoutMs ?? 5_000,
    });
  }

  /** Core NATS: fire and forget (signals whose loss is allowed). */
  publishCore(subject: string, data: unknown): void {
    if (this.nc.isClosed()) return;
    const h = natsHeaders();
    injectContext(headerCarrier(h));
    try {
      this.nc.publish(this.subject(subject), JSON.stringify(data), { headers: h });
    } catch {
      // Disconnected: a lossy signal, dropped.
    }
  }

  subscribeCore<T>(subject: string, handle: (data: T) => void): Subscription {
    const sub = this.nc.subscribe(this.subject(subject));
    void (async () => {
      for await (const m of sub) {
        try {
          handle(m.json<T>());
        } catch (err) {
          this.logger.warn('bad message on core subject', { subject, err });
        }
      }
    })();
    return sub;
  }

  /**
   * Durable pull consumer. A message is acked only after `handle` resolves; a throw naks it
   * for redelivery. Returns a stop function.
   */
  async consume<T>(options: ConsumeOptions<T>): Promise<() => Promise<void>> {
    const stream = this.streamName(options.stream);
    const config = {
      durable_name: options.durable,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      filter_subject: this.subject(options.filterSubject),
      max_ack_pending: options.maxAckPending ?? 1_000,
      ack_wait: ms(options.ackWaitMs ?? 30_000),
    };
    try {
      await this.jsm.consumers.info(stream, options.durable);
    } catch {
      await this.jsm.consumers.add(stream, config);
    }
    const consumer = await this.js.consumers.get(stream, options.durable);
    const messages = await consumer.consume({ max_messages: Math.min(options.maxAckPending ?? 1_000, 500) });
    const maxDeliver = options.maxDeliver ?? 50;
    const loop = (async () => {
      for await (const msg of messages) {
        const parent = msg.headers ? extractContext(headerCarrier(msg.headers)) : otelContext.active();
        await otelContext.with(parent, async () => {
          let data: T;
          try {
            data = msg.json<T>();
          } catch {
            this.logger.error('undecodable message terminated', { stream, seq: msg.seq });
            msg.term('undecodable');
            return;
          }
          try {
            await options.handle(data, msg);
            msg.ack();
          } catch (err) {
            if (msg.info.deliveryCount >= maxDeliver) {
              this.logger.error('message terminated after repeated failures', { stream, seq: msg.seq, err });
              msg.term('max deliveries');
            } else {
              msg.nak(options.retryDelayMs ?? 1_000);
            }
          }
        });
      }
    })();
    return async () => {
      await messages.close();
      await loop.catch(() => undefined);
    };
  }

  async close(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain().catch(() => this.nc.close());
  }
}
