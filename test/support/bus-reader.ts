import type { JsonValue } from '@bufbuild/protobuf';
import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';

/** Reads a stream of this test run's namespace, to assert on published events. */
export class StreamReader {
  private constructor(readonly bus: Bus) {}

  static async connect(url = process.env.NATS_URL!): Promise<StreamReader> {
    return new StreamReader(await Bus.connect({ url, name: 'test-reader', namespace: process.env.GATEWAYZ_NAMESPACE!, logger: silentLogger() }));
  }

  /**
   * Every message on `subject` (without namespace) in `stream`, in stream order, decoded as
   * JSON: through a short-lived filtered consumer (one fetch, however long the stream).
   * `since`: only messages stored from then on. The run's suites all write to these streams
   * (every test user's plan assignment is a billing.plan.changed), so a test that waits for its
   * own events reads from its own start rather than the whole run's history each time.
   */
  async messages(stream: string, subject: string, since?: Date): Promise<{ json: Record<string, JsonValue>; msgId: string | undefined }[]> {
    const name = this.bus.streamName(stream);
    if (!(await this.bus.jsm.streams.info(name).catch(() => undefined))) return [];
    const info = await this.bus.jsm.consumers.add(name, {
      ack_policy: AckPolicy.None,
      ...(since ? { deliver_policy: DeliverPolicy.StartTime, opt_start_time: new Date(since.getTime() - 1_000).toISOString() } : { deliver_policy: DeliverPolicy.All }),
      filter_subject: this.bus.subject(subject),
      inactive_threshold: 30_000_000_000,
    });
    const out: { json: Record<string, JsonValue>; msgId: string | undefined }[] = [];
    try {
      if (info.num_pending === 0) return out;
      const consumer = await this.bus.js.consumers.get(name, info.name);
      const batch = await consumer.fetch({ max_messages: info.num_pending, expires: 5_000 });
      for await (const m of batch) {
        out.push({ json: m.json<Record<string, JsonValue>>(), msgId: m.headers?.get('Nats-Msg-Id') });
        if (out.length >= info.num_pending) break;
      }
      return out;
    } finally {
      await this.bus.jsm.consumers.delete(name, info.name).catch(() => undefined);
    }
  }

  async publish(subject: string, data: unknown, msgId: string): Promise<void> {
    await this.bus.publish(subject, data, { msgId });
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
