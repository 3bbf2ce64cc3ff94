import http from 'node:http';
import type { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { fakeOpenAI, openAIWireFormat, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

const MODEL = 'openai/gpt-4o';
/** Served by groq only here, pointed at `flushedCutServer`. */
const CUT_MODEL = 'meta-llama/llama-3.3-70b-instruct';
const USER = [{ role: 'user' as const, content: 'tell me something' }];
// Faulty behaviours stream the fake's canned text; its first event is the role chunk (content ''),
// so `afterChunks: 3` delivers the role chunk, "one " and "two " before the fault.
const FIRST_PIECES = ['one ', 'two '];

/** Races a promise against a deadline; rejects with `what` when the deadline passes first. */
function within<T>(ms: number, p: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}

/** The `data:` payloads of an SSE body, in order. */
function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .map((e) => e.trim())
    .filter((e) => e.startsWith('data: '))
    .map((e) => e.slice('data: '.length));
}

/**
 * An OpenAI-format upstream whose streams die mid-way AFTER their first events reached the wire:
 * what the fake's `cut` is meant to do. (libs/testing's `cut` destroys the socket in the same tick
 * as its writes, while Node still holds them corked, so nothing arrives: it acts like `reset`.)
 */
async function flushedCutServer(afterChunks: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString('utf8')));
    req.on('end', () => {
      const body = JSON.parse(raw) as Record<string, unknown>;
      const { content } = openAIWireFormat.streamEvents(body, { kind: 'reply', content: 'one two three four five six' });
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const event of content.slice(0, afterChunks)) res.write(event);
      setTimeout(() => req.socket.destroy(), 50);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

interface ErrorEvent {
  model: string;
  choices: { index: number; delta: object; finish_reason: string }[];
  error: { message: string; type: string; code: string | null };
}

describe('stream faults (only openai configured, short idle timeout)', () => {
  let stack: TestStack;
  let openai: FakeUpstream;
  let client: OpenAI;
  let key: string;
  let cutServer: Awaited<ReturnType<typeof flushedCutServer>>;

  beforeAll(async () => {
    openai = await fakeOpenAI();
    cutServer = await flushedCutServer(3);
    stack = await startStack({
      env: {
        OPENAI_API_KEY: 'sk-upstream-openai',
        OPENAI_BASE_URL: openai.url,
        GROQ_API_KEY: 'gsk-upstream',
        GROQ_BASE_URL: cutServer.url,
        UPSTREAM_IDLE_TIMEOUT_MS: '300',
        UPSTREAM_FIRST_BYTE_TIMEOUT_MS: '2000',
      },
    });
    ({ key } = await stack.createKey());
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await openai.close();
    await cutServer.close();
  });

  beforeEach(() => openai.reset());

  const post = (body: object, signal?: AbortSignal) =>
    fetch(`${stack.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal,
    });

  // [name, model, arrange]
  const faults: [string, string, () => void][] = [
    ['the fake upstream cutting the connection', MODEL, () => openai.enqueue({ kind: 'cut', afterChunks: 3 })],
    ['an upstream cutting the connection after flushing its first events', CUT_MODEL, () => undefined],
    ['the upstream stalling past the idle timeout', MODEL, () => openai.enqueue({ kind: 'stall', afterChunks: 3 })],
    ['a malformed SSE line', MODEL, () => openai.enqueue({ kind: 'malformed', afterChunks: 3 })],
  ];

  describe.each(faults)('after the first chunks: %s', (_name, model, arrange) => {
    it('the SDK gets the first pieces, then throws (no clean end)', async () => {
      arrange();
      const stream = await client.chat.completions.create({ model, messages: USER, stream: true });
      const pieces: string[] = [];
      const finishes: string[] = [];
      const err: unknown = await (async () => {
        for await (const chunk of stream) {
          const content = chunk.choices[0]?.delta.content;
          if (content) pieces.push(content);
          const finish = chunk.choices[0]?.finish_reason;
          if (finish) finishes.push(finish);
        }
      })().then(() => undefined, (e: unknown) => e);

      expect(pieces).toEqual(FIRST_PIECES);
      expect(finishes).toEqual([]);
      expect(err).toBeInstanceOf(OpenAI.APIError);
      expect((err as Error).message.length).toBeGreaterThan(0);
    });

    it('on the wire: the content, one final error event with finish_reason "error", then [DONE]', async () => {
      arrange();
      const res = await post({ model, messages: USER, stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/event-stream');
      const events = sseData(await res.text());

      expect(events.at(-1)).toBe('[DONE]');
      const last = JSON.parse(events.at(-2)!) as ErrorEvent;
      expect(last.model).toBe(model);
      expect(last.choices).toEqual([{ index: 0, delta: {}, finish_reason: 'error' }]);
      expect(typeof last.error).toBe('object');
      expect(typeof last.error.message).toBe('string');
      expect(last.error.message.length).toBeGreaterThan(0);
      expect(typeof last.error.type).toBe('string');
      // Everything before is ordinary content, and only the error event has an `error`.
      const before = events.slice(0, -2).map((e) => JSON.parse(e) as { error?: unknown; choices: { delta: { content?: string } }[] });
      expect(before.every((e) => e.error === undefined)).toBe(true);
      expect(before.map((e) => e.choices[0]?.delta.content ?? '').join('')).toBe(FIRST_PIECES.join(''));
      expect(events.filter((e) => e.includes('"finish_reason":"error"'))).toHaveLength(1);
      // The gateway lets go of the failed upstream response (a stalled or malformed one stays open otherwise).
      if (model === MODEL) await within(2_000, openai.requests[0]!.closed, 'the upstream request closing');
    });
  });

  it('a failure before the first chunk of a stream (500 on the only provider) is a 502 JSON error, not SSE', async () => {
    openai.enqueue({ kind: 'status', status: 500, message: 'The server had an error while processing your request.' });
    const res = await post({ model: MODEL, messages: USER, stream: true });

    expect(res.status).toBe(502);
    expect(res.headers.get('content-type')).toContain('application/json');
    const body = (await res.json()) as { error: { message: string; type: string; code: string | null; param: unknown } };
    expect(typeof body.error.message).toBe('string');
    expect(body.error.message).toContain('500');
    expect(typeof body.error.type).toBe('string');
    expect(body.error).toHaveProperty('param');
    expect(openai.requests).toHaveLength(1);

    // The SDK throws when the stream is opened, before any iteration.
    openai.enqueue({ kind: 'status', status: 500 });
    const err: unknown = await client.chat.completions.create({ model: MODEL, messages: USER, stream: true }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as InstanceType<typeof OpenAI.APIError>).status).toBe(502);
  });

  it('a client disconnecting mid-stream closes the upstream request, and nothing stays in flight', async () => {
    const inFlight = async (): Promise<number> => {
      const text = await (await fetch(`${stack.url}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith('gatewayz_http_requests_in_flight'));
      if (!line) throw new Error('gatewayz_http_requests_in_flight is not exported');
      return Number(line.trim().split(/\s+/).at(-1));
    };
    // The scrape is itself an HTTP request the edge is serving: with nothing else going on, the
    // gauge reads the same as this idle baseline.
    const idle = await inFlight();

    const words = Array.from({ length: 60 }, (_, i) => `w${i}`).join(' ');
    openai.enqueue({ kind: 'reply', content: words, chunkDelayMs: 100 });
    const controller = new AbortController();
    const res = await post({ model: MODEL, messages: USER, stream: true }, controller.signal);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    expect(await inFlight()).toBe(idle + 1);

    expect(openai.requests).toHaveLength(1);
    const upstreamReq = openai.requests[0]!;
    const abortedAt = Date.now();
    controller.abort();
    await reader.cancel().catch(() => undefined);

    await within(2_000, upstreamReq.closed, 'the upstream request closing');
    expect(upstreamReq.clientAborted()).toBe(true);
    // It was closed well before the slow upstream would have finished on its own (~6 s).
    expect(Date.now() - abortedAt).toBeLessThan(2_000);

    let now = await inFlight();
    for (let i = 0; i < 20 && now !== idle; i++) {
      await new Promise((r) => setTimeout(r, 50));
      now = await inFlight();
    }
    expect(now).toBe(idle);
    expect(idle).toBeLessThanOrEqual(1);
  });
});
