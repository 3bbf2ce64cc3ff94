import type { MessageInitShape } from '@bufbuild/protobuf';
import type { ChatChunkSchema, ChoiceDeltaSchema, ToolCallDeltaSchema, UsageSchema } from '@gatewayz/proto';
import type { ChatCompletionRequest } from '@gatewayz/wire';

/** A normalized chunk (proto ChatChunk init shape): what every provider's output becomes. */
export type NormalizedChunk = MessageInitShape<typeof ChatChunkSchema>;
export type ChoiceDeltaInit = MessageInitShape<typeof ChoiceDeltaSchema>;
export type ToolCallInit = MessageInitShape<typeof ToolCallDeltaSchema>;

/** Token usage in non-overlapping buckets (see provider.proto Usage). */
export type NormalizedUsage = Required<Omit<MessageInitShape<typeof UsageSchema>, '$typeName'>>;

/** Where and how to reach one provider for one model. */
export interface RouteTarget {
  provider: string;
  adapter: string;
  nativeModel: string;
  baseUrl: string;
}

export interface ProviderCredentials {
  apiKey: string | undefined;
  baseUrl: string;
  /**
   * Provider-specific settings beyond the key (provider-config.ts CREDENTIAL_RULES), e.g.
   * Azure's api version, Cloudflare's account id, AWS credentials, a Vertex service account.
   */
  settings?: Readonly<Record<string, string>>;
}

/** One attempt against one provider. */
export interface ChatCall {
  target: RouteTarget;
  credentials: ProviderCredentials;
  /** The canonical (OpenAI-format) request, already validated. */
  request: ChatCompletionRequest;
  stream: boolean;
  requestId: string;
  signal: AbortSignal;
  /** The model's output-token limit (providers that require max_tokens default to it). */
  maxOutputTokens: number;
}

/** Upstream metadata worth keeping (logs, usage events). */
export interface UpstreamMeta {
  id?: string;
  systemFingerprint?: string;
}

export type AdapterEvent =
  | { type: 'chunk'; chunk: NormalizedChunk }
  | { type: 'end'; usage: NormalizedUsage | undefined; meta: UpstreamMeta };

/**
 * The adapter contract. `chat` yields normalized chunks then exactly one `end`.
 *  - Before its first chunk it may throw a ProviderError (status, retry-after): the caller may
 *    fail over.
 *  - After its first chunk it throws a ProviderError for any upstream failure (cut connection,
 *    in-stream error, stall, malformed data): there is no silent truncation.
 * It aborts the upstream request when `call.signal` aborts.
 */
export interface ProviderAdapter {
  readonly kind: string;
  chat(call: ChatCall): AsyncIterable<AdapterEvent>;
}

/** Something the translator saw that it did not recognize. */
export interface UnrecognizedEvent {
  provider: string;
  sample: string;
}

export interface AdapterHooks {
  onUnrecognized(event: UnrecognizedEvent): void;
}

export const emptyUsage = (): NormalizedUsage => ({
  inputTokens: 0,
  cacheReadTokens: 0,
  cacheWriteTokens: 0,
  outputTokens: 0,
  reasoningTokens: 0,
  estimated: false,
});
