import type { Response } from 'express';

/**
 * Writes an SSE response. Headers go out with the first event (so an error before it can still
 * be a proper JSON error with its status); each event is one `data:` line.
 */
export class SseWriter {
  private started = false;

  constructor(private readonly res: Response) {}

  get hasStarted(): boolean {
    return this.started;
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.res.status(200);
    this.res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    this.res.setHeader('cache-control', 'no-cache, no-transform');
    this.res.setHeader('connection', 'keep-alive');
    this.res.setHeader('x-accel-buffering', 'no');
    this.res.flushHeaders();
  }

  /** Returns false when the client is gone. */
  data(json: string): boolean {
    this.start();
    if (this.res.destroyed || this.res.writableEnded) return false;
    this.res.write(`data: ${json}\n\n`);
    return true;
  }

  /** A named event (`event:` + `data:` lines), as Anthropic's stream uses. False when the client is gone. */
  event(name: string, json: string): boolean {
    this.start();
    if (this.res.destroyed || this.res.writableEnded) return false;
    this.res.write(`event: ${name}\ndata: ${json}\n\n`);
    return true;
  }

  /** Ends the response without a [DONE] line (formats that have none). */
  end(): void {
    this.start();
    if (!this.res.writableEnded) this.res.end();
  }

  done(): void {
    this.start();
    if (!this.res.writableEnded) this.res.end('data: [DONE]\n\n');
  }
}
