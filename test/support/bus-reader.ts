import type { JsonValue } from '@bufbuild/protobuf';
import type { MsgRequest } from '@nats-io/jetstream';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';

/** Reads a stream of this test run's namespace, to assert on published events. */
export class StreamReader {
  private constructor(readonly bus: Bus) {}

  static async connect(url = process.env.NATS_URL!): Promise<StreamReader> {
    return new StreamReader(await Bus.connect({ url, name: 'test-reader', namespace: process.env.GATEWAYZ_NAMESPACE!, logger: silentLogger() }));
  }

  /** Every message on `subject` (without namespace) in `stream`, decoded as JSON. */
  async messages(stream: string, subject: string): Promise<{ json: Record<string, JsonValue>; msgId: string | undefined }[]> {
    const name = this.bus.streamName(stream);
    const info = await this.bus.jsm.streams.info(name).catch(() => undefined);
    if (!info) return [];
    const out: { json: Record<string, JsonValue>; msgId: string | undefined }[] = [];
    const full = this.bus.subject(subject);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq; ) {
      // STREAM.MSG.GET honours next_by_subj (the client types it for direct gets only).
      const request = { seq, next_by_subj: full } as unknown as MsgRequest;
      const m = await this.bus.jsm.streams.getMessage(name, request).catch(() => null);
      if (!m) break;
      if (m.subject === full) out.push({ json: m.json<Record<string, JsonValue>>(), msgId: m.header?.get('Nats-Msg-Id') });
      seq = m.seq + 1;
    }
    return out;
  }

  async publish(subject: string, data: unknown, msgId: string): Promise<void> {
    await this.bus.publish(subject, data, { msgId });
  }

  async close(): Promise<void> {
    await this.bus.close();
  }
}
