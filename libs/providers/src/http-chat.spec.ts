import { readFileSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ProviderError } from '@gatewayz/errors';
import { anthropicTranslator } from './anthropic';
import type { AdapterEvent, ChatCall, ProviderAdapter } from './contract';
import { httpChatAdapter } from './http-chat';
import { openAICompatibleTranslator } from './openai-compatible';
import { HttpTransport } from './transport/http';

const oa = (name: string) => readFileSync(join(__dirname, 'openai-compatible', '__fixtures__', name), 'utf8');
const an = (name: string) => readFileSync(join(__dirname, 'anthropic', '__fixtures__', name), 'utf8');
const sseEvents = (text: string) => text.split(/(?<=\n\n)/);

const SSE = { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' };
const JSON_TYPE = { 'content-type': 'application/json' };

/** Per x-request-id: resolved when the server sees the connection close before its response finished. */
const earlyClose = new Map<string, () => void>();
const closedEarly = (requestId: string) => new Promise<void>((resolve) => earlyClose.set(requestId, resolve));
const received: { path: string; headers: IncomingHttpHeaders; body: Record<string, unknown> }[] = [];

function writeSlowly(res: ServerResponse, parts: string[], everyMs: number): void {
  let i = 0;
  const timer = setInterval(() => (i < parts.length ? res.write(parts[i++]) : (clearInterval(timer), res.end())), everyMs);
  res.on('close', () => clearInterval(timer));
}

const scenarios: Record<string, (res: ServerResponse, stream: boolean) => void> = {
  ok: (res, stream) => {
    if (!stream) return void res.writeHead(200, JSON_TYPE).end(oa('chat-completion.json'));
    res.writeHead(200, SSE);
    for (const part of sseEvents(oa('stream-text-usage.txt'))) res.write(part);
    res.end();
  },
  tools: (res) => void res.writeHead(200, SSE).end(oa('stream-tool-calls.txt')),
  ratelimit: (res) => void res.writeHead(429, { ...JSON_TYPE, 'retry-after': '2' }).end(oa('error-429.json')),
  bad: (res) => void res.writeHead(400, JSON_TYPE).end(oa('error-400.json')),
  unauth: (res) => void res.writeHead(401, JSON_TYPE).end(oa('error-401.json')),
  notjson: (res) => void res.writeHead(200, JSON_TYPE).end('<html>upstream proxy page</html>'),
  inerror: (res) => void res.writeHead(200, SSE).end(oa('stream-error.txt')),
  // The body ends cleanly but before finish_reason and [DONE].
  short: (res) => void res.writeHead(200, SSE).end(sseEvents(oa('stream-text-usage.txt')).slice(0, 3).join('')),
  // The connection drops after three events.
  cut: (res) => {
    res.writeHead(200, SSE);
    for (const part of sseEvents(oa('stream-text-usage.txt')).slice(0, 3)) res.write(part);
    setTimeout(() => res.socket?.destroy(), 30);
  },
  // Two events, then silence longer than the idle timeout.
  stall: (res) => {
    res.writeHead(200, SSE);
    for (const part of sseEvents(oa('stream-text-usage.txt')).slice(0, 2)) res.write(part);
  },
  // One event every 40 ms, for much longer than any test waits.
  slow: (res) => {
    res.writeHead(200, SSE);
    const role = sseEvents(oa('stream-text-usage.txt'))[0]!;
    const piece = 'data: {"id":"c","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"tick "},"finish_reason":null}]}\n\n';
    res.write(role);
    writeSlowly(res, Array.from({ length: 200 }, () => piece), 40);
  },
  anthropic: (res) => {
    res.writeHead(200, SSE);
    writeSlowly(res, sseEvents(an('stream-text.txt')), 1);
  },
};

let server: Server;
let origin: string;
const hooks = { onUnrecognized: jest.fn() };
const transport = new HttpTransport({ connectTimeoutMs: 1000, headersTimeoutMs: 2000, idleTimeoutMs: 300 });
const openai: ProviderAdapter = httpChatAdapter('openai-compatible', openAICompatibleTranslator, transport, hooks);
const anthropic: ProviderAdapter = httpChatAdapter('anthropic', anthropicTranslator, transport, hooks);

beforeAll(async () => {
  server = createServer((req, res) => {
    const parts: Buffer[] = [];
    req.on('data', (b: Buffer) => parts.push(b));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.on('close', () => {
        if (!res.writableFinished) earlyClose.get(String(req.headers['x-request-id']))?.();
      });
      scenarios[(req.url ?? '').split('/')[1]!]!(res, body.stream === true);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await transport.close();
});

function call(scenario: string, stream: boolean, opts: { signal?: AbortSignal; baseUrl?: string; provider?: string; requestId?: string } = {}): ChatCall {
  const baseUrl = opts.baseUrl ?? `${origin}/${scenario}`;
  return {
    target: { provider: opts.provider ?? 'openai', adapter: 'openai-compatible', nativeModel: 'gpt-4o-mini', baseUrl },
    credentials: { apiKey: 'sk-test-gateway-key', baseUrl },
    request: { model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }], provider: { order: ['openai'] } },
    stream,
    requestId: opts.requestId ?? `req-${scenario}`,
    signal: opts.signal ?? new AbortController().signal,
    maxOutputTokens: 1024,
  };
}

async function run(adapter: ProviderAdapter, c: ChatCall, onEvent?: (e: AdapterEvent, seen: AdapterEvent[]) => void) {
  const events: AdapterEvent[] = [];
  try {
    for await (const e of adapter.chat(c)) {
      events.push(e);
      onEvent?.(e, events);
    }
    return { events, error: undefined };
  } catch (error) {
    return { events, error };
  }
}

function providerError(error: unknown): ProviderError {
  expect(error).toBeInstanceOf(ProviderError);
  return error as ProviderError;
}

const textOf = (events: AdapterEvent[]) =>
  events.flatMap((e) => (e.type === 'chunk' ? (e.chunk.choices ?? []).map((c) => c.content ?? '') : [])).join('');

describe('httpChatAdapter over a real HTTP server', () => {
  it('non-streaming: one chunk then end with usage, and the request it sent', async () => {
    const { events, error } = await run(openai, call('ok', false));
    expect(error).toBeUndefined();
    expect(events.map((e) => e.type)).toEqual(['chunk', 'end']);
    expect(textOf(events)).toBe('Hello! How can I assist you today?');
    expect(events[1]).toEqual({
      type: 'end',
      usage: { inputTokens: 86, cacheReadTokens: 1920, cacheWriteTokens: 0, outputTokens: 300, reasoningTokens: 192, estimated: false },
      meta: { id: 'chatcmpl-B9MBs8CjcvOU2jLn4n570S5qMJKcT', systemFingerprint: 'fp_44709d6fcb' },
    });
    const sent = received.at(-1)!;
    expect(sent.path).toBe('/ok/chat/completions');
    expect(sent.headers.authorization).toBe('Bearer sk-test-gateway-key');
    expect(sent.headers['x-request-id']).toBe('req-ok');
    expect(sent.body).toMatchObject({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Hi' }] });
    expect(sent.body).not.toHaveProperty('provider');
    expect(sent.body).not.toHaveProperty('stream');
  });

  it('streaming: chunks then end with the usage of the final chunk', async () => {
    const { events, error } = await run(openai, call('ok', true));
    expect(error).toBeUndefined();
    expect(events.filter((e) => e.type === 'chunk').length).toBeGreaterThan(1);
    expect(events.at(-1)).toMatchObject({ type: 'end', usage: { inputTokens: 10, cacheReadTokens: 1024, outputTokens: 9 }, meta: { id: 'chatcmpl-123' } });
    expect(events.slice(0, -1).every((e) => e.type === 'chunk')).toBe(true);
    expect(textOf(events)).toBe('Hello! How can I help you today?');
    expect(received.at(-1)!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });
  });

  it('streaming tool calls arrive with their argument fragments', async () => {
    const { events, error } = await run(openai, call('tools', true));
    expect(error).toBeUndefined();
    const args = new Map<number, string>();
    for (const e of events) {
      if (e.type !== 'chunk') continue;
      for (const tc of (e.chunk.choices ?? []).flatMap((c) => c.toolCalls ?? [])) args.set(tc.index ?? 0, (args.get(tc.index ?? 0) ?? '') + (tc.arguments ?? ''));
    }
    expect([...args.values()].map((a) => JSON.parse(a) as unknown)).toEqual([{ location: 'Paris, France' }, { location: 'Bogotá, Colombia' }]);
  });

  it('an Anthropic stream through the same transport', async () => {
    const { events, error } = await run(anthropic, call('anthropic', true, { provider: 'anthropic' }));
    expect(error).toBeUndefined();
    expect(textOf(events)).toBe('Hello! How can I help you today?');
    expect(events.at(-1)).toMatchObject({ type: 'end', usage: { inputTokens: 25, outputTokens: 15 } });
    expect(received.at(-1)!.path).toBe('/anthropic/v1/messages');
    expect(received.at(-1)!.headers['x-api-key']).toBe('sk-test-gateway-key');
  });

  describe('HTTP errors', () => {
    it('429 with retry-after: 2 is a rate limit carrying retryAfterMs', async () => {
      const { events, error } = await run(openai, call('ratelimit', true));
      expect(events).toEqual([]);
      expect(providerError(error)).toMatchObject({ status: 429, upstreamStatus: 429, retryAfterMs: 2000, code: 'upstream_rate_limited', provider: 'openai' });
    });

    it("400 passes the provider's message, code and param through", async () => {
      const err = providerError((await run(openai, call('bad', false))).error);
      expect(err).toMatchObject({ status: 400, upstreamStatus: 400, param: 'temperature', code: 'decimal_above_max_value' });
      expect(err.message).toBe("Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.");
    });

    it('401 never relays the upstream message (it concerns the gateway key)', async () => {
      const err = providerError((await run(openai, call('unauth', false))).error);
      expect(err).toMatchObject({ status: 502, upstreamStatus: 401, code: 'upstream_error', param: null });
      expect(err.message).not.toMatch(/Incorrect API key|sk-proj|AbCdEfGh/);
      expect(err.message).toContain('401');
    });

    it('a 200 body that is not JSON is a malformed response', async () => {
      expect(providerError((await run(openai, call('notjson', false))).error)).toMatchObject({ status: 502, code: 'upstream_malformed_response' });
    });
  });

  describe('stream failures after the first chunk', () => {
    it('an in-stream error throws after the chunks before it', async () => {
      const { events, error } = await run(openai, call('inerror', true));
      expect(textOf(events)).toBe('Once upon');
      expect(events.some((e) => e.type === 'end')).toBe(false);
      expect(providerError(error)).toMatchObject({ status: 502, code: 'upstream_error' });
    });

    it('a body that ends before the stream completed is truncated, never a silent end', async () => {
      const { events, error } = await run(openai, call('short', true));
      expect(textOf(events)).toBe('Hello!');
      expect(events.some((e) => e.type === 'end')).toBe(false);
      expect(providerError(error)).toMatchObject({ status: 502, code: 'upstream_stream_truncated', upstreamStatus: 200 });
    });

    it('a connection cut mid-stream throws after yielding the first chunks', async () => {
      const { events, error } = await run(openai, call('cut', true));
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(events.every((e) => e.type === 'chunk')).toBe(true);
      const err = providerError(error);
      expect(err.status).toBe(502);
      expect(['upstream_stream_truncated', 'upstream_unreachable']).toContain(err.code);
    });

    it('a stream that stalls past idleTimeoutMs throws a 504', async () => {
      const started = Date.now();
      const { events, error } = await run(openai, call('stall', true));
      expect(events.length).toBeGreaterThanOrEqual(1);
      expect(providerError(error)).toMatchObject({ status: 504, code: 'upstream_timeout', upstreamStatus: 0 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(250);
    });
  });

  it('connection refused is a 502 with upstreamStatus 0', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { events, error } = await run(openai, call('ok', false, { baseUrl: `http://127.0.0.1:${port}/v1` }));
    expect(events).toEqual([]);
    expect(providerError(error)).toMatchObject({ status: 502, upstreamStatus: 0, code: 'upstream_unreachable' });
  });

  describe('releasing the upstream request', () => {
    it('aborting the signal mid-stream stops the upstream request with a 499', async () => {
      const ac = new AbortController();
      const upstreamClosed = closedEarly('req-abort');
      const { events, error } = await run(openai, call('slow', true, { signal: ac.signal, requestId: 'req-abort' }), (_e, seen) => {
        if (seen.length === 2) ac.abort();
      });
      // The server streams for 8 s: without the abort reaching it, this would time out.
      await upstreamClosed;
      expect(events).toHaveLength(2);
      expect(providerError(error)).toMatchObject({ status: 499, code: 'cancelled' });
    });

    it('a consumer that stops iterating releases the connection', async () => {
      const upstreamClosed = closedEarly('req-break');
      const seen: AdapterEvent[] = [];
      for await (const e of openai.chat(call('slow', true, { requestId: 'req-break' }))) {
        seen.push(e);
        if (seen.length === 2) break;
      }
      await upstreamClosed;
      expect(seen).toHaveLength(2);
    });
  });
});
