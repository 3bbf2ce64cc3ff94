import type { z } from 'zod';
import { errors, type GatewayError } from '@gatewayz/errors';

/** `messages[0].content` from a zod path. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out;
}

/** The first zod issue as a 400 naming the parameter at fault. */
export function validationError(error: z.ZodError): GatewayError {
  const issue = error.issues[0];
  if (!issue) return errors.invalidRequest('Invalid request body.');
  const param = formatPath(issue.path) || null;
  let message = issue.message;
  if (issue.code === 'invalid_union' || issue.code === 'invalid_value') {
    message = issue.message.replace(/^Invalid input/, 'has an invalid value');
  }
  if (issue.code === 'unrecognized_keys') {
    return errors.invalidRequest(`Unrecognized parameter(s): ${issue.keys.join(', ')}.`, param);
  }
  return errors.invalidRequest(param ? `Invalid '${param}': ${message}.` : `Invalid request: ${message}.`, param);
}
