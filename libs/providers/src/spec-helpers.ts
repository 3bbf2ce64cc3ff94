import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ProviderError } from '@gatewayz/errors';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { ChatCall, ChoiceDeltaInit, NormalizedChunk, ProviderCredentials } from './contract';
import type { FrameDecoder, StreamTranslator } from './http-chat';
import { SseParser } from './sse/sse-parser';

/** Helpers for the translators' fixture specs (no I/O beyond reading fixtures). */
export function fixture(dir: string, name: string): string {
  return readFileSync(join(dir, '__fixtures__', name), 'utf8');
}

export function fixtureJson<T = unknown>(dir: string, name: string): T {
  return JSON.parse(fixture(dir, name)) as T;
}

export function chatCall(options: {
  provider: string;
  adapter: string;
  nativeModel: string;
  request?: Partial<ChatCompletionRequest>;
  stream?: boolean;
  credentials?: Partial<ProviderCredentials>;
}): ChatCall {
  const baseUrl = options.credentials?.baseUrl ?? 'https://api.example.test';
  return {
    target: { provider: options.provider, adapter: options.adapter, nativeModel: options.nativeModel, baseUrl },
    credentials: { apiKey: 'test-key', baseUrl, ...options.credentials },
    request: { model: 'gatewayz/model', messages: [{ role: 'user', content: 'Hi' }], ...options.request },
    stream: options.stream ?? false,
    requestId: 'req-spec',
    signal: new AbortController().signal,
    maxOutputTokens: 8192,
  };
}

/** Feeds `bytes` to a decoder and translator in pieces of `size` bytes (any network chunking). */
export function runStream(bytes: Uint8Array | string, translator: StreamTranslator, options: { size?: number; decoder?: FrameDecoder } = {}): NormalizedChunk[] {
  const data = typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes;
  const decoder = options.decoder ?? new SseParser();
  const size = options.size ?? data.length;
  const out: NormalizedChunk[] = [];
  for (let i = 0; i < data.length; i += size) for (const e of decoder.push(data.subarray(i, i + size))) out.push(...translator.push(e));
  for (const e of decoder.end()) out.push(...translator.push(e));
  return out;
}

export const choicesOf = (chunks: NormalizedChunk[]): ChoiceDeltaInit[] => chunks.flatMap((c) => c.choices ?? []);

export const contentOf = (chunks: NormalizedChunk[], index = 0): string =>
  choicesOf(chunks)
    .filter((c) => (c.index ?? 0) === index)
    .map((c) => c.content ?? '')
    .join('');

export const reasoningOf = (chunks: NormalizedChunk[]): string =>
  choicesOf(chunks)
    .map((c) => c.reasoning ?? '')
    .join('');

/** Tool calls assembled from deltas, by index. */
export function toolCallsOf(chunks: NormalizedChunk[]): Map<number, { id?: string; name: string; arguments: string }> {
  const calls = new Map<number, { id?: string; name: string; arguments: string }>();
  for (const c of choicesOf(chunks)) {
    for (const t of c.toolCalls ?? []) {
      const call = calls.get(t.index ?? 0) ?? { name: '', arguments: '' };
      if (t.id !== undefined) call.id = t.id;
      call.name += t.name ?? '';
      call.arguments += t.arguments ?? '';
      calls.set(t.index ?? 0, call);
    }
  }
  return calls;
}

export const logprobsOf = (chunks: NormalizedChunk[]): unknown[] =>
  choicesOf(chunks).flatMap((c) => (c.logprobsJson && c.logprobsJson.length > 0 ? (JSON.parse(new TextDecoder().decode(c.logprobsJson)) as { content: unknown[] }).content : []));

export function thrown(fn: () => unknown): ProviderError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ProviderError) return err;
    throw err;
  }
  throw new Error('expected a ProviderError');
}

export const silentHooks = () => ({ onUnrecognized: jest.fn() });
