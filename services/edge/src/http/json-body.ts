import { isUtf8 } from 'node:buffer';
import type { NextFunction, Request, Response } from 'express';
import { errors } from '@gatewayz/errors';

declare module 'express-serve-static-core' {
  interface Request {
    /** The raw request body, once read. */
    rawBody?: Buffer;
    /** Why an earlier read of the body (the /v1 gate's, for anonymous access) failed. */
    bodyError?: unknown;
  }
}

/** Deepest `{`/`[` nesting outside strings, without parsing (stops counting past `max`). */
export function exceedsDepth(buf: Buffer, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < buf.length; i++) {
    const c = buf[i];
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

function isJsonContentType(type: string | undefined): boolean {
  if (!type) return true; // clients that omit it still send JSON
  const mime = type.split(';')[0]!.trim().toLowerCase();
  // curl -d sends form-urlencoded by default; the body must still parse as a JSON object.
  return mime === 'application/json' || mime.endsWith('+json') || mime === 'application/x-www-form-urlencoded' || mime === 'text/plain';
}

/**
 * Reads and parses a JSON body with explicit limits: 413 over `limit` bytes (checked before
 * reading when Content-Length says so), 400 for invalid UTF-8, excessive nesting, malformed
 * JSON or a non-object; 415 for another content type. Nothing reaches a handler unchecked.
 */
export function jsonBody(options: { limit: number; maxDepth: number }) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    // Read once already (the /v1 gate reads bodies of keyless requests): reuse that outcome.
    if (req.bodyError !== undefined) return next(req.bodyError);
    if (req.rawBody !== undefined) return next();
    if (!isJsonContentType(req.headers['content-type'])) {
      next(errors.unsupportedMediaType(`Content-Type must be application/json, got '${String(req.headers['content-type']).slice(0, 100)}'.`));
      return;
    }
    const declared = Number(req.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.limit) {
      req.resume();
      next(errors.payloadTooLarge(options.limit));
      return;
    }
    const parts: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > options.limit) {
        failed = true;
        next(errors.payloadTooLarge(options.limit));
        return;
      }
      parts.push(chunk);
    });
    req.on('error', () => {
      if (!failed) {
        failed = true;
        next(errors.invalidRequest('The request body could not be read.'));
      }
    });
    req.on('end', () => {
      if (failed) return;
      const buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, size);
      req.rawBody = buf;
      if (buf.length === 0) return next(errors.invalidJson('The request body is empty; a JSON object is required.'));
      if (!isUtf8(buf)) return next(errors.invalidJson('The request body is not valid UTF-8.'));
      if (exceedsDepth(buf, options.maxDepth)) {
        return next(errors.invalidJson(`The request body is nested more than ${options.maxDepth} levels deep.`));
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(buf.toString('utf8'));
      } catch (err) {
        const detail = err instanceof SyntaxError ? err.message.replace(/^JSON\.parse: /, '') : 'syntax error';
        return next(errors.invalidJson(`The request body is not valid JSON (${detail.slice(0, 200)}).`));
      }
      if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
        return next(errors.invalidJson('The request body must be a JSON object.'));
      }
      req.body = parsed;
      next();
    });
  };
}
