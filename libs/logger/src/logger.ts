import winston from 'winston';
import { currentRequestContext } from './request-context';
import { redactField, redactString } from './redact';

export type Logger = winston.Logger;

const SKIP = new Set(['level', 'message', 'timestamp', 'service', 'request_id']);

/** Adds the request id (and user/key when known) and redacts every field. */
const contextAndRedaction = winston.format((info) => {
  const ctx = currentRequestContext();
  if (ctx) {
    info.request_id ??= ctx.requestId;
    if (ctx.userId) info.user_id ??= ctx.userId;
    if (ctx.keyId) info.key_id ??= ctx.keyId;
  }
  if (typeof info.message === 'string') info.message = redactString(info.message);
  for (const key of Object.keys(info)) {
    if (!SKIP.has(key)) (info as Record<string, unknown>)[key] = redactField(key, info[key]);
  }
  return info;
});

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; defaults to stdout. Tests pass a stream to inspect output. */
  stream?: NodeJS.WritableStream;
}

/** JSON lines: {"level","message","service","timestamp","request_id",...}. */
export function createLogger(options: LoggerOptions): Logger {
  const transport = options.stream
    ? new winston.transports.Stream({ stream: options.stream })
    : new winston.transports.Console();
  return winston.createLogger({
    level: options.level ?? 'info',
    defaultMeta: { service: options.service },
    format: winston.format.combine(winston.format.timestamp(), contextAndRedaction(), winston.format.json()),
    transports: [transport],
  });
}

/** A logger that writes nothing (unit tests). */
export function silentLogger(): Logger {
  return winston.createLogger({ silent: true, transports: [new winston.transports.Console({ silent: true })] });
}
