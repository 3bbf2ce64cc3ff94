import { setTimeout as sleep } from 'node:timers/promises';
import { fromJson, type JsonValue } from '@bufbuild/protobuf';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import { UsageRecordedSchema, type UsageRecorded } from '@gatewayz/proto';

/** Reads usage.recorded back from the real NATS server (the test run's namespace). */
export class UsageWatch {
  private constructor(
    private readonly bus: Bus,
    private readonly stream: string,
  ) {}

  /** Connects and waits until the edge has created the USAGE stream. */
  static async open(): Promise<UsageWatch> {
    const bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'usage-watch', namespace: process.env.GATEWAYZ_NAMESPACE!, logger: silentLogger() });
    const stream = bus.streamName('USAGE');
    const until = Date.now() + 5_000;
    while (!(await bus.jsm.streams.info(stream).then(() => true, () => false))) {
      if (Date.now() > until) throw new Error(`stream ${stream} was never created`);
      await sleep(50);
    }
    return new UsageWatch(bus, stream);
  }

  /** The stream's last sequence: events after it are new. */
  async mark(): Promise<number> {
    return (await this.bus.jsm.streams.info(this.stream)).state.last_seq;
  }

  /** The usage.recorded event of `requestId` published after `afterSeq`. */
  async waitFor(requestId: string, afterSeq: number, timeoutMs = 5_000): Promise<UsageRecorded> {
    const until = Date.now() + timeoutMs;
    for (let seq = afterSeq + 1; ; ) {
      const msg = await this.bus.jsm.streams.getMessage(this.stream, { seq });
      if (msg) {
        seq++;
        if (msg.subject !== this.bus.subject('usage.recorded')) continue;
        const event = fromJson(UsageRecordedSchema, msg.json<JsonValue>());
        if (event.requestId === requestId) return event;
      } else {
        if (Date.now() > until) throw new Error(`no usage.recorded for ${requestId} within ${timeoutMs} ms`);
        await sleep(25);
      }
    }
  }

  close(): Promise<void> {
    return this.bus.close();
  }
}
