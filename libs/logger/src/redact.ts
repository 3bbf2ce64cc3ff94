/**
 * Secrets never reach a log line: values of secret-looking fields are replaced, and key-shaped
 * substrings inside any string are masked (gateway keys, provider keys, bearer tokens, Stripe
 * secrets, JWT-like tokens).
 */
const SECRET_FIELD = /^(authorization|x-api-key|api[-_]?key|apikey|password|passwd|secret|client[-_]?secret|token|access[-_]?token|refresh[-_]?token|session[-_]?token|cookie|set-cookie|encrypted[-_]?key|stripe[-_]?signature|private[-_]?key|key)$/i;

const SECRET_PATTERNS: RegExp[] = [
  /gw_(?:live|test)_[A-Za-z0-9_-]{8,}/g,
  /\bsk-(?:ant-|proj-|or-)?[A-Za-z0-9_-]{8,}/g,
  /\b(?:sk|rk|pk|whsec)_(?:live|test)_[A-Za-z0-9]{8,}/g,
  /\b[Bb]earer\s+[A-Za-z0-9._~+/=-]{8,}/g,
  /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g,
];

export const REDACTED = '[REDACTED]';

export function redactString(text: string): string {
  let out = text;
  for (const pattern of SECRET_PATTERNS) {
    pattern.lastIndex = 0;
    if (pattern.test(out)) {
      pattern.lastIndex = 0;
      out = out.replace(pattern, REDACTED);
    }
  }
  return out;
}

export function isSecretField(name: string): boolean {
  return SECRET_FIELD.test(name);
}

/** Redacts a named field: the whole value when the name is secret-looking, else its contents. */
export function redactField(name: string, value: unknown): unknown {
  return isSecretField(name) && value !== undefined && value !== null && value !== '' ? REDACTED : redactValue(value);
}

export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (value instanceof Error) {
    return { name: value.name, message: redactString(value.message) };
  }
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isSecretField(k) && v !== undefined && v !== null && v !== '' ? REDACTED : redactValue(v, depth + 1);
  }
  return out;
}
