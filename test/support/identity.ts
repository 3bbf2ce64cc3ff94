import { randomBytes } from 'node:crypto';
import type { TestStack } from './stack';

/** Raw HTTP against the edge (headers matter in identity tests, so no SDK here). */
export interface Reply<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  text: string;
  json: T;
}

export interface CallOptions {
  /** An API key or a session token, sent as a Bearer token. */
  auth?: string;
  body?: unknown;
  /** The client address the edge sees (TRUST_PROXY=loopback in test stacks). */
  ip?: string;
  headers?: Record<string, string>;
}

export async function call<T = Record<string, unknown>>(stack: { url: string }, method: string, path: string, o: CallOptions = {}): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...o.headers };
  if (o.auth !== undefined) headers.authorization = `Bearer ${o.auth}`;
  if (o.ip) headers['x-forwarded-for'] = o.ip;
  if (o.body !== undefined) headers['content-type'] ??= 'application/json';
  const res = await fetch(`${stack.url}${path}`, {
    method,
    headers,
    ...(o.body !== undefined ? { body: typeof o.body === 'string' ? o.body : JSON.stringify(o.body) } : {}),
  });
  const text = await res.text();
  let json = {} as T;
  try {
    json = JSON.parse(text) as T;
  } catch {
    // not JSON: leave {}
  }
  return { status: res.status, headers: res.headers, text, json };
}

/**
 * A fresh client address for each test (its own layer-1/3 and brute-force counters). Redis keeps
 * those counters between runs (an hour for sign-ups), so the address is random, from 64 bits of
 * the IPv6 unique-local range: no two runs, workers or tests share one.
 */
export function freshIp(): string {
  const h = randomBytes(8).toString('hex');
  return `fd00:${h.slice(0, 4)}:${h.slice(4, 8)}:${h.slice(8, 12)}:${h.slice(12, 16)}::1`;
}

/**
 * Per-minute limits count in windows aligned to the minute, so a test that counts up to a limit
 * must not straddle a minute boundary (the count would restart half-way). Waits for the next
 * minute when fewer than `marginMs` are left in this one.
 */
export async function awayFromMinuteEdge(marginMs = 5_000): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < marginMs) await new Promise((resolve) => setTimeout(resolve, left + 50));
}

export function uniqueEmail(tag = 'user'): string {
  return `${tag}-${randomBytes(6).toString('hex')}@example.com`;
}

export interface Registered {
  userId: string;
  email: string;
  password: string;
  key: string;
  keyId: string;
  session: string;
}

/** Signs up through the API and returns the account's first key and session token. */
export async function register(stack: TestStack, o: { email?: string; password?: string; ip?: string } = {}): Promise<Registered> {
  const email = o.email ?? uniqueEmail();
  const password = o.password ?? `pw-${randomBytes(8).toString('hex')}`;
  const r = await call<{ user: { id: string }; api_key: { id: string; key: string }; session: { token: string } }>(stack, 'POST', '/auth/register', {
    body: { email, password },
    ip: o.ip ?? freshIp(),
  });
  if (r.status !== 201) throw new Error(`register failed: ${r.status} ${r.text}`);
  return { userId: r.json.user.id, email, password, key: r.json.api_key.key, keyId: r.json.api_key.id, session: r.json.session.token };
}

/** What must never appear in a response: stack frames, source paths, internals. */
export function expectNoLeak(text: string): void {
  expect(text).not.toMatch(/^\s*at /m);
  expect(text).not.toMatch(/\bat \S+ \(/);
  expect(text).not.toMatch(/\.(?:ts|js|mjs|cjs):\d+/);
  expect(text).not.toContain('/work/');
  expect(text).not.toContain('node_modules');
  expect(text).not.toMatch(/prisma|postgres|SELECT |INSERT /i);
}
