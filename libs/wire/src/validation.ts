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

type Issue = z.core.$ZodIssue;

/**
 * A union none of whose options matched is reported at the union; when an option got further
 * (an issue deeper inside it, e.g. one bad block in an array of blocks), that issue says better
 * what is wrong, at its own path.
 */
function mostSpecific(issue: Issue): Issue {
  if (issue.code !== 'invalid_union' || !Array.isArray(issue.errors)) return issue;
  const nested = issue.errors
    .flat()
    .filter((i) => i.path.length > 0)
    .sort((a, b) => b.path.length - a.path.length)[0];
  return nested ? mostSpecific({ ...nested, path: [...issue.path, ...nested.path] }) : issue;
}

/** The first zod issue as a 400 naming the parameter at fault. */
export function validationError(error: z.ZodError): GatewayError {
  const first = error.issues[0];
  const issue = first ? mostSpecific(first) : undefined;
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
