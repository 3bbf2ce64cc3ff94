import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Socket } from 'node:net';

/**
 * Fake LLM providers for tests and the benchmark: real HTTP servers on loopback that speak a
 * provider's wire format (OpenAI chat completions, Anthropic Messages), with scripted faults.
 * Each request takes the next scripted behaviour, or the default one.
 */
export type Behavior =
  /** A normal answer (streamed when the request asks for a stream). */
  | {
      kind: 'reply';
      content?: string;
      toolCalls?: { id: string; name: string; arguments: string }[];
      reasoning?: string;
      usage?: { prompt: number; completion: number; cached?: number };
      omitUsage?: boolean;
      firstByteDelayMs?: number;
      chunkDelayMs?: number;
      finishReason?: string;
    }
  /** An HTTP error status with a body in the provider's error format. */
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string>; param?: string }
  /** Stream `afterChunks` content events, then cut the connection. */
  | { kind: 'cut'; afterChunks: number }
  /** Stream `afterChunks` content events, then go silent (connection left open). */
  | { kind: 'stall'; afterChunks: number }
  /** Stream `afterChunks` content events, then a line that is not JSON. */
  | { kind: 'malformed'; afterChunks: number }
  /** Stream `afterChunks` content events, then the provider's in-stream error event. */
  | { kind: 'stream-error'; afterChunks: number; message?: string }
  /** Accept the request and never answer. */
  | { kind: 'hang' }
  /** Destroy the connection without any response. */
  | { kind: 'reset' };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Record<string, unknown>;
  /** The body exactly as received (signature checks). */
  rawBody: Buffer;
  /** When it arrived (performance.now()), to order requests across several fakes. */
  at: number;
  /** Resolves when the client side closed (or the response ended). */
  closed: Promise<void>;
  clientAborted: () => boolean;
}

export interface WireFormat {
  /** Where the format's chat endpoint lives. */
  path: string;
  reply(body: Record<string, unknown>, b: Extract<Behavior, { kind: 'reply' }>): object;
  /** Each event of a streamed reply (SSE text, or binary frames), content events first, then the tail. */
  streamEvents(body: Record<string, unknown>, b: Extract<Behavior, { kind: 'reply' }>): { content: (string | Uint8Array)[]; tail: (string | Uint8Array)[] };
  streamError(message: string): string | Uint8Array;
  errorBody(status: number, message: string, param?: string): object;
  /** Whether a request asks for a stream (default: `"stream": true` in the body). */
  isStream?(request: { path: string; body: Record<string, unknown> }): boolean;
  /** Content type of a streamed reply (default: text/event-stream). */
  streamContentType?: string;
  /** An event that cannot be parsed (default: an SSE line that is not JSON). */
  malformedEvent?(): string | Uint8Array;
  /** Checks the request's credentials; an answer here is sent instead of the scripted behaviour. */
  authorize?(request: { method: string; path: string; headers: http.IncomingHttpHeaders; rawBody: Buffer }): { status: number; body: object } | undefined;
}

export function lastUserText(body: Record<string, unknown>): string {
  const messages = (body.messages ?? []) as { role: string; content: unknown }[];
  const last = [...messages].reverse().find((m) => m.role === 'user');
  if (!last) return '';
  if (typeof last.content === 'string') return last.content;
  if (Array.isArray(last.content)) return last.content.map((p: { text?: string }) => p.text ?? '').join(' ');
  return '';
}

export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

export class FakeUpstream {
  readonly requests: RecordedRequest[] = [];
  private readonly script: Behavior[] = [];
  private defaultBehavior: Behavior = { kind: 'reply' };
  private readonly sockets = new Set<Socket>();
  private server!: http.Server;
  url = '';

  constructor(private readonly format: WireFormat) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    this.server.keepAliveTimeout = 5_000;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** Queues behaviours for the next requests, in order. */
  enqueue(...behaviors: Behavior[]): this {
    this.script.push(...behaviors);
    return this;
  }

  setDefault(behavior: Behavior): this {
    this.defaultBehavior = behavior;
    return this;
  }

  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
    this.defaultBehavior = { kind: 'reply' };
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const rawBody = Buffer.concat(chunks);
    let body: Record<string, unknown> = {};
    try {
      body = JSON.parse(rawBody.toString('utf8') || '{}') as Record<string, unknown>;
    } catch {
      body = {};
    }
    let aborted = false;
    const closed = new Promise<void>((resolve) =>
      res.on('close', () => {
        aborted = !res.writableFinished;
        resolve();
      }),
    );
    this.requests.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body, rawBody, at: performance.now(), closed, clientAborted: () => aborted });
    const f = this.format;
    const denied = f.authorize?.({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, rawBody });
    if (denied) {
      res.writeHead(denied.status, { 'content-type': 'application/json' }).end(JSON.stringify(denied.body));
      return;
    }
    const behavior = this.script.shift() ?? this.defaultBehavior;
    const stream = f.isStream ? f.isStream({ path: req.url ?? '', body }) : body.stream === true;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

    switch (behavior.kind) {
      case 'reset':
        req.socket.destroy();
        return;
      case 'hang':
        return;
      case 'status':
        res.writeHead(behavior.status, { 'content-type': 'application/json', ...behavior.headers });
        res.end(JSON.stringify(f.errorBody(behavior.status, behavior.message ?? `fake ${behavior.status}`, behavior.param)));
        return;
      default:
        break;
    }
    const reply: Extract<Behavior, { kind: 'reply' }> = behavior.kind === 'reply' ? behavior : { kind: 'reply', content: 'one two three four five six seven eight' };
    if (reply.firstByteDelayMs) await sleep(reply.firstByteDelayMs);
    if (!stream) {
      if (behavior.kind !== 'reply') {
        res.writeHead(200, { 'content-type': 'application/json' });
        if (behavior.kind === 'malformed') res.end('{"not json');
        else req.socket.destroy();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(f.reply(body, reply)));
      return;
    }
    res.writeHead(200, { 'content-type': f.streamContentType ?? 'text/event-stream', 'cache-control': 'no-cache' });
    const { content, tail } = f.streamEvents(body, reply);
    const limit = behavior.kind === 'reply' ? content.length : Math.min(behavior.afterChunks, content.length);
    for (let i = 0; i < limit; i++) {
      if (res.destroyed) return;
      res.write(content[i]);
      if (reply.chunkDelayMs) await sleep(reply.chunkDelayMs);
    }
    switch (behavior.kind) {
      case 'reply':
        for (const t of tail) res.write(t);
        res.end();
        return;
      case 'cut':
        // Let the events already written reach the wire, then drop the connection.
        await new Promise<void>((resolve) => res.write('', () => resolve()));
        await sleep(20);
        req.socket.destroy();
        return;
      case 'stall':
        return;
      case 'malformed':
        res.write(f.malformedEvent?.() ?? 'data: {"this is not": json\n\n');
        return;
      case 'stream-error':
        res.write(f.streamError(behavior.message ?? 'fake upstream failure'));
        res.end();
        return;
    }
  }
}
