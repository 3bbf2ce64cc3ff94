import { create } from '@bufbuild/protobuf';
import { errors } from '@gatewayz/errors';
import type { inferenceMetrics } from '@gatewayz/metrics';
import { costMicros } from '@gatewayz/pricing';
import {
  RequestStatus,
  UsageRecordedSchema,
  UsageSchema,
  type BillingService,
  type ChatOutcome,
  type ChatResponse,
  type ProviderService,
  type ResolveResponse,
  type Usage,
} from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import type { UsagePublisher } from '../events/usage-publisher';
import type { ResolveCache } from '../routing/resolve-cache';
import { authorizeInference, chatEstimate, type AuthorizeInput } from './billing-gate';

/**
 * The edge's side of one inference, independent of the API format the client speaks: resolve
 * the model, start the provider-proxy stream, and at the end price the outcome and record it
 * (usage.recorded). Format writers (OpenAI chat, and others) drive it:
 *
 *   const call = await inference.start(...);     // errors here → a normal error response
 *   for await (const ev of call.events) ...       // chunks, then one outcome
 *   const { cost } = call.finish(...);            // exactly once
 */
export interface InferenceInput {
  requestId: string;
  auth: AuthContext;
  /** The canonical request (OpenAI chat-completions) and its JSON bytes. */
  request: ChatCompletionRequest;
  body: Uint8Array;
  stream: boolean;
  /** Aborted when the client goes away. */
  signal: AbortSignal;
}

export interface InferenceCall {
  resolved: ResolveResponse;
  /** The canonical model id. */
  model: string;
  events: AsyncIterable<ChatResponse>;
  /** Headers every writer sets on the response (before its first byte), e.g. credits left. */
  responseHeaders: Record<string, string>;
  /**
   * Records how the request ended (metrics + usage.recorded) and returns its cost. Only a
   * SUCCESS is priced; a failed or cancelled request costs nothing.
   */
  finish(result: { status: RequestStatus; outcome?: ChatOutcome; errorCode?: string }): { cost: bigint; usage: Usage };
}

export interface InferenceDeps {
  resolver: ResolveCache;
  proxy: ServiceClient<typeof ProviderService>;
  billing: ServiceClient<typeof BillingService>;
  billingTimeoutMs: number;
  usage: UsagePublisher;
  metrics: ReturnType<typeof inferenceMetrics>;
  requestTimeoutMs: number;
}

/** Price of the provider that served the request, from the chain routing returned. */
export function costOf(resolved: ResolveResponse, outcome: ChatOutcome): bigint {
  const p = resolved.chain.find((r) => r.provider === outcome.provider)?.price;
  const u = outcome.usage;
  if (!p || !u) return 0n;
  return costMicros(u, p);
}

/** Checks the parts of a request that depend on the resolved model. */
export function checkAgainstModel(request: ChatCompletionRequest, resolved: ResolveResponse): void {
  const limit = request.max_completion_tokens ?? request.max_tokens;
  const max = resolved.model?.maxOutputTokens ?? 0;
  if (limit !== undefined && limit !== null && max > 0 && limit > max) {
    const param = request.max_completion_tokens !== undefined && request.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
    throw errors.invalidRequest(`'${param}' is ${limit}, but ${resolved.model!.id} generates at most ${max} tokens.`, param);
  }
}

export class InferenceService {
  constructor(private readonly deps: InferenceDeps) {}

  /**
   * Pre-flight billing for any entry point (chat, messages, embeddings, images, audio), after
   * resolve and before the provider call: pricing guard, then a reservation of the maximum
   * cost (402/409/503 otherwise). Returns the headers to send with the response.
   */
  authorize(input: AuthorizeInput): Promise<Record<string, string>> {
    return authorizeInference(this.deps.billing, input, this.deps.billingTimeoutMs);
  }

  async start(input: InferenceInput): Promise<InferenceCall> {
    const { deps } = this;
    const resolved = await deps.resolver.resolve(input.request.model, input.requestId);
    checkAgainstModel(input.request, resolved);
    const responseHeaders = await this.authorize({
      requestId: input.requestId,
      auth: input.auth,
      resolved,
      estimate: chatEstimate(input.request, resolved),
      signal: input.signal,
    });
    const model = resolved.model!.id;
    const started = performance.now();
    const events = deps.proxy.chat(
      {
        requestId: input.requestId,
        body: input.body,
        model,
        chain: resolved.chain,
        stream: input.stream,
        maxOutputTokens: resolved.model!.maxOutputTokens,
      },
      { timeoutMs: deps.requestTimeoutMs, requestId: input.requestId, signal: input.signal },
    );
    let finished = false;
    const finish: InferenceCall['finish'] = ({ status, outcome, errorCode = '' }) => {
      const usage = outcome?.usage ?? create(UsageSchema);
      const cost = status === RequestStatus.SUCCESS && outcome ? costOf(resolved, outcome) : 0n;
      if (finished) return { cost, usage };
      finished = true;
      const provider = outcome?.provider ?? '';
      deps.metrics.requests.inc({ model, provider, outcome: RequestStatus[status]!.toLowerCase(), stream: String(input.stream) });
      if (status === RequestStatus.SUCCESS && outcome?.usage) {
        deps.metrics.tokens.inc({ model, provider, bucket: 'input' }, usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens);
        deps.metrics.tokens.inc({ model, provider, bucket: 'output' }, usage.outputTokens);
        deps.metrics.costMicros.inc({ model, provider }, Number(cost));
        if (outcome.ttftMs) deps.metrics.ttft.observe({ model, provider }, outcome.ttftMs / 1000);
      }
      deps.usage.publish(
        create(UsageRecordedSchema, {
          requestId: input.requestId,
          userId: input.auth.userId,
          keyId: input.auth.keyId,
          model,
          provider,
          nativeModel: outcome?.nativeModel ?? '',
          stream: input.stream,
          status,
          errorCode,
          usage,
          costMicros: cost,
          ttftMs: outcome?.ttftMs ?? 0,
          durationMs: Math.round(performance.now() - started),
          occurredAtMs: BigInt(Date.now()),
        }),
      );
      return { cost, usage };
    };
    return { resolved, model, events, finish, responseHeaders };
  }
}
