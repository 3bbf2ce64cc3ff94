import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import busboy from 'busboy';

/**
 * A fake of OpenAI's media endpoints (POST /embeddings, /images/generations,
 * /audio/transcriptions (multipart), /audio/speech), speaking the bodies its API reference
 * documents, with scripted error statuses. Every request is recorded (JSON body, or the
 * multipart fields and file).
 */
export type MediaBehavior =
  | { kind: 'reply' }
  /** An HTTP error status with an OpenAI error body. */
  | { kind: 'status'; status: number; message?: string; headers?: Record<string, string>; param?: string };

export interface MediaRequest {
  path: string;
  headers: http.IncomingHttpHeaders;
  /** JSON endpoints. */
  body: Record<string, unknown>;
  /** Multipart endpoints: form fields (repeated `x[]` fields as arrays) and the file. */
  fields: Record<string, string | string[]>;
  file: { filename: string; contentType: string; data: Buffer } | undefined;
}

/** A 1×1 PNG, for b64_json answers. */
export const FAKE_PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC';

/** The fake's deterministic vector for one input: [length, 0.5, -0.25, ...] cut to `dimensions`. */
export function fakeVector(input: unknown, dimensions = 3): number[] {
  const base = [String(JSON.stringify(input)).length, 0.5, -0.25];
  return Array.from({ length: dimensions }, (_, i) => base[i % 3]! / (1 + Math.floor(i / 3)));
}

export function fakeSpeechBytes(format: string): Buffer {
  return Buffer.from(`FAKE-AUDIO:${format}`);
}

const SPEECH_TYPES: Record<string, string> = { mp3: 'audio/mpeg', opus: 'audio/ogg', aac: 'audio/aac', flac: 'audio/flac', wav: 'audio/wav', pcm: 'audio/pcm' };

function words(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

async function readMultipart(req: http.IncomingMessage): Promise<Pick<MediaRequest, 'fields' | 'file'>> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string | string[]> = {};
    let file: MediaRequest['file'];
    const parser = busboy({ headers: req.headers });
    parser.on('field', (name, value) => {
      if (name.endsWith('[]')) {
        const key = name.slice(0, -2);
        fields[key] = [...((fields[key] as string[] | undefined) ?? []), value];
      } else fields[name] = value;
    });
    parser.on('file', (_name, stream, info) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: Buffer) => parts.push(d));
      stream.on('end', () => {
        file = { filename: info.filename ?? '', contentType: info.mimeType, data: Buffer.concat(parts) };
      });
    });
    parser.on('close', () => resolve({ fields, file }));
    parser.on('error', reject);
    req.pipe(parser);
  });
}

export class FakeOpenAIMedia {
  readonly requests: MediaRequest[] = [];
  private readonly script: MediaBehavior[] = [];
  private readonly sockets = new Set<Socket>();
  private server!: http.Server;
  url = '';

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      this.handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  enqueue(...behaviors: MediaBehavior[]): this {
    this.script.push(...behaviors);
    return this;
  }

  reset(): void {
    this.script.length = 0;
    this.requests.length = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const path = (req.url ?? '').replace(/\?.*$/, '');
    const multipart = /^multipart\/form-data/i.test(req.headers['content-type'] ?? '');
    let recorded: MediaRequest;
    if (multipart) {
      recorded = { path, headers: req.headers, body: {}, ...(await readMultipart(req)) };
    } else {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        body = {};
      }
      recorded = { path, headers: req.headers, body, fields: {}, file: undefined };
    }
    this.requests.push(recorded);
    const behavior = this.script.shift() ?? { kind: 'reply' };
    if (behavior.kind === 'status') {
      const type = behavior.status === 429 ? 'rate_limit_exceeded' : behavior.status >= 500 ? 'server_error' : 'invalid_request_error';
      res.writeHead(behavior.status, { 'content-type': 'application/json', ...behavior.headers });
      res.end(JSON.stringify({ error: { message: behavior.message ?? `fake ${behavior.status}`, type, param: behavior.param ?? null, code: null } }));
      return;
    }
    const json = (status: number, value: object) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(value));
    };
    switch (path) {
      case '/embeddings':
        return json(200, this.embeddings(recorded.body));
      case '/images/generations':
        return json(200, this.images(recorded.body));
      case '/audio/transcriptions':
        return this.transcription(recorded, res);
      case '/audio/speech': {
        const format = String(recorded.body.response_format ?? 'mp3');
        res.writeHead(200, { 'content-type': SPEECH_TYPES[format] ?? 'application/octet-stream' });
        res.end(fakeSpeechBytes(format));
        return;
      }
      default:
        return json(404, { error: { message: `Unknown path ${path}`, type: 'invalid_request_error', param: null, code: 'unknown_url' } });
    }
  }

  private embeddings(body: Record<string, unknown>): object {
    const input = body.input;
    const items: unknown[] = Array.isArray(input) && typeof input[0] !== 'number' ? input : [input];
    const dimensions = typeof body.dimensions === 'number' ? body.dimensions : 3;
    const data = items.map((item, index) => {
      const vector = fakeVector(item, dimensions);
      const embedding = body.encoding_format === 'base64' ? Buffer.from(new Float32Array(vector).buffer).toString('base64') : vector;
      return { object: 'embedding', index, embedding };
    });
    const tokens = items.reduce<number>((n, item) => n + (typeof item === 'string' ? words(item) : Array.isArray(item) ? item.length : 1), 0);
    return { object: 'list', data, model: String(body.model), usage: { prompt_tokens: tokens, total_tokens: tokens } };
  }

  private images(body: Record<string, unknown>): object {
    const n = typeof body.n === 'number' ? body.n : 1;
    const b64 = body.response_format === 'b64_json' || String(body.model).startsWith('gpt-image');
    const data = Array.from({ length: n }, (_, i) => ({
      ...(b64 ? { b64_json: FAKE_PNG_BASE64 } : { url: `https://images.fake.test/img-${i}.png` }),
      ...(body.model === 'dall-e-3' ? { revised_prompt: `A detailed rendering of: ${String(body.prompt)}` } : {}),
    }));
    return { created: 1_713_833_628, data };
  }

  private transcription(r: MediaRequest, res: http.ServerResponse): void {
    const text = `Fake transcript of ${r.file?.filename ?? 'nothing'} (${r.file?.data.length ?? 0} bytes).`;
    const format = (r.fields.response_format as string | undefined) ?? 'json';
    const plain = (body: string) => {
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(body);
    };
    switch (format) {
      case 'text':
        return plain(`${text}\n`);
      case 'srt':
        return plain(`1\n00:00:00,000 --> 00:00:02,500\n${text}\n\n`);
      case 'vtt':
        return plain(`WEBVTT\n\n00:00:00.000 --> 00:00:02.500\n${text}\n\n`);
      case 'verbose_json':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ task: 'transcribe', language: 'english', duration: 2.5, text, segments: [{ id: 0, seek: 0, start: 0, end: 2.5, text, tokens: [1, 2], temperature: 0, avg_logprob: -0.2, compression_ratio: 1, no_speech_prob: 0.01 }] }));
        return;
      default:
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ text, usage: { type: 'duration', seconds: 3 } }));
    }
  }
}

export function fakeOpenAIMedia(): Promise<FakeOpenAIMedia> {
  return new FakeOpenAIMedia().start();
}
