import type { Request } from 'express';
import { z } from 'zod';
import { errors } from '@gatewayz/errors';
import { validationError } from '@gatewayz/wire';
import { canonicalIp } from '../keys/key-restrictions';

/** Parses a body (or query) with a strict zod schema: a 400 naming the parameter otherwise. */
export function parse<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(result.error);
  return result.data;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path parameter that must be a UUID (ids of users, keys, entries). */
export function uuidParam(req: Request, name: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !UUID.test(value)) {
    throw errors.invalidRequest(`'${name}' must be a UUID.`, name);
  }
  return value.toLowerCase();
}

/** Where a change came from (recorded with it in the audit log). */
export interface Origin {
  ip: string | null;
  requestId: string;
}

export function origin(req: Request): Origin {
  return { ip: clientIp(req) ?? null, requestId: req.id };
}

/** The caller's address (X-Forwarded-For only through TRUST_PROXY), canonical form. */
export function clientIp(req: Request): string | undefined {
  return canonicalIp(req.ip ?? req.socket.remoteAddress);
}

/** Free text a user names things with: no control characters, bounded, stored and returned as given. */
export const freeText = (max: number) =>
  z
    .string()
    .max(max)
    // eslint-disable-next-line no-control-regex
    .refine((s) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(s), 'must not contain control characters');

/** Pagination for list endpoints. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(200).default(50),
};
