import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromJson, toJson, type JsonValue } from '@bufbuild/protobuf';
import type { StoredMsg } from '@nats-io/jetstream';
import { Bus } from '@gatewayz/bus';
import { silentLogger } from '@gatewayz/logger';
import { RequestStatus, UsageRecordedSchema, type UsageRecorded } from '@gatewayz/proto';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

/** usage.recorded on JetStream after inference requests, read back from the real NATS server. */
describe('usage.recorded events', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;
  let bus: Bus;
  let stream: string;
  let key: string;
  let keyId: string;
  let userId: string;

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-test-upstream', OPENAI_BASE_URL: upstream.url } });
    ({ key, keyId, userId } = await stack.createKey());
    bus = await Bus.connect({ url: process.env.NATS_URL!, name: 'test', namespace: process.env.GATEWAYZ_NAMESPACE!, logger: silentLogger() });
    stream = bus.streamName('USAGE');
    // The edge creates the stream once connected to NATS, in the background.
    const until = Date.now() + 5_000;
    for (;;) {
      const found = await bus.jsm.streams.info(stream).then(
        () => true,
        () => false,
      );
      if (found) break;
      if (Date.now() > until) throw new Error(`stream ${stream} was never created`);
      await sleep(50);
    }
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
    await bus.close();
  });

  async function lastSeq(): Promise<number> {
    return (await bus.jsm.streams.info(stream)).state.last_seq;
  }

  /** Reads the stream from `afterSeq` on until the event of `requestId` shows up. */
  async function waitForUsage(requestId: string, afterSeq: number, timeoutMs = 5_000): Promise<{ event: UsageRecorded; msg: StoredMsg }> {
    const until = Date.now() + timeoutMs;
    let seq = afterSeq + 1;
    for (;;) {
      const msg = await bus.jsm.streams.getMessage(stream, { seq });
      if (msg) {
        seq++;
        if (msg.subject !== bus.subject('usage.recorded')) continue;
        const event = fromJson(UsageRecordedSchema, msg.json<JsonValue>());
        if (event.requestId === requestId) return { event, msg };
      } else {
        if (Date.now() > until) throw new Error(`no usage.recorded for ${requestId} within ${timeoutMs} ms`);
        await sleep(25);
      }
    }
  }

  async function chat(body: object, requestId: string) {
    const res = await fetch(`${stack.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', 'x-request-id': requestId },
      body: JSON.stringify(body),
    });
    return { status: res.status, requestId: res.headers.get('x-request-id'), text: await res.text() };
  }

  const prompt = 'please count the tokens of this usage event test message';

  it('a sim request publishes usage.recorded with identity, usage and cost; Nats-Msg-Id = request id', async () => {
    const requestId = `usage-${randomUUID()}`;
    const before = await lastSeq();
    const r = await chat({ model: 'sim/echo', messages: [{ role: 'user', content: prompt }] }, requestId);
    expect(r.status).toBe(200);
    expect(r.requestId).toBe(requestId);
    const answer = JSON.parse(r.text) as { usage: { prompt_tokens: number; completion_tokens: number } };

    const { event, msg } = await waitForUsage(requestId, before);
    expect(msg.subject).toBe(`${process.env.GATEWAYZ_NAMESPACE}.usage.recorded`);
    expect(msg.header.get('Nats-Msg-Id')).toBe(requestId);
    expect(event).toMatchObject({ requestId, userId, keyId, model: 'sim/echo', provider: 'sim', nativeModel: 'echo', stream: false, status: RequestStatus.SUCCESS, errorCode: '' });
    expect(event.usage).toBeDefined();
    expect(event.usage!.inputTokens).toBeGreaterThan(0);
    expect(event.usage!.outputTokens).toBe(prompt.split(' ').length); // sim: one token per word
    // What was recorded is what the client was told.
    expect(event.usage!.inputTokens + event.usage!.cacheReadTokens + event.usage!.cacheWriteTokens).toBe(answer.usage.prompt_tokens);
    expect(event.usage!.outputTokens).toBe(answer.usage.completion_tokens);
    expect(event.costMicros).toBeGreaterThan(0n);
    expect(event.occurredAtMs).toBeGreaterThan(BigInt(Date.now() - 60_000));
    expect(event.occurredAtMs).toBeLessThanOrEqual(BigInt(Date.now()));
  });

  it('a streamed sim request is recorded with stream: true', async () => {
    const requestId = `usage-stream-${randomUUID()}`;
    const before = await lastSeq();
    const r = await chat({ model: 'sim/echo', messages: [{ role: 'user', content: prompt }], stream: true }, requestId);
    expect(r.status).toBe(200);
    expect(r.text).toContain('data: [DONE]');
    const { event } = await waitForUsage(requestId, before);
    expect(event).toMatchObject({ requestId, model: 'sim/echo', provider: 'sim', stream: true, status: RequestStatus.SUCCESS });
    expect(event.usage!.outputTokens).toBeGreaterThan(0);
    expect(event.costMicros).toBeGreaterThan(0n);
  });

  it('publishing the same event twice: the second PubAck says duplicate', async () => {
    const requestId = `usage-dup-${randomUUID()}`;
    const before = await lastSeq();
    expect((await chat({ model: 'sim/echo', messages: [{ role: 'user', content: 'dup' }] }, requestId)).status).toBe(200);
    const { event, msg } = await waitForUsage(requestId, before);
    // The edge already published it under this request id: a retry is recognized.
    const again = await bus.publish('usage.recorded', toJson(UsageRecordedSchema, event), { msgId: requestId });
    expect(again.duplicate).toBe(true);
    expect(again.seq).toBe(msg.seq);

    // And from scratch, on a subject of the stream no usage consumer reads.
    const fresh = { ...toJson(UsageRecordedSchema, event) as object, requestId: `dup-only-${randomUUID()}` };
    const first = await bus.publish('usage.duplicate-check', fresh, { msgId: fresh.requestId });
    const second = await bus.publish('usage.duplicate-check', fresh, { msgId: fresh.requestId });
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    expect(second.seq).toBe(first.seq);
    expect(first.stream).toBe(stream);
  });

  it('a request that fails upstream is recorded FAILED with cost 0', async () => {
    upstream.setDefault({ kind: 'status', status: 500, message: 'upstream exploded' });
    try {
      const requestId = `usage-fail-${randomUUID()}`;
      const before = await lastSeq();
      const r = await chat({ model: 'gpt-4o', messages: [{ role: 'user', content: 'this will fail' }] }, requestId);
      expect(r.status).toBe(502);
      expect(JSON.parse(r.text)).toMatchObject({ error: { type: 'upstream_error', code: 'upstream_error' } });
      expect(upstream.requests.length).toBeGreaterThanOrEqual(1);
      const { event } = await waitForUsage(requestId, before);
      expect(event).toMatchObject({ requestId, userId, keyId, model: 'openai/gpt-4o', stream: false, status: RequestStatus.FAILED });
      expect(event.costMicros).toBe(0n);
      expect(event.errorCode).toBe('upstream_error');
      expect(event.provider).toBe(''); // nobody served it
    } finally {
      upstream.reset();
    }
  });
});
