import { create } from '@bufbuild/protobuf';
import { errors } from '@gatewayz/errors';
import type { inferenceMetrics } from '@gatewayz/metrics';
import { costMicros } from '@gatewayz/pricing';
import {
  RequestStatus,
  UsageRecordedSchema,
  UsageSchema,
  type ChatOutcome,
  type ChatResponse,
  type ProviderService,
  type ResolveResponse,
  type Route,
  type Usage,
} from '@gatewayz/proto';
import { conversationKey, planChain } from '@gatewayz/routing';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import type { UsagePublisher } from '../events/usage-publisher';
import type { ResolveCache } from '../routing/resolve-cache';
import { resolveQueryFor } from '../routing/resolve-query';

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
  /** The chain this request walks: routing's, with this request's split draw applied. */
  chain: Route[];
  /** The canonical model id (the primary model; a fallback that served is in the outcome). */
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
  usage: UsagePublisher;
  metrics: ReturnType<typeof inferenceMetrics>;
  requestTimeoutMs: number;
}

/**
 * The route that served the request: the outcome's route index into the chain sent (a chain
 * built with fallback models mixes models and prices, so the provider alone is not enough).
 */
export function servedRoute(chain: Route[], outcome: ChatOutcome): Route | undefined {
  const byIndex = chain[outcome.routeIndex];
  if (byIndex && byIndex.provider === outcome.provider && (!outcome.model || byIndex.model === outcome.model)) return byIndex;
  return chain.find((r) => r.provider === outcome.provider && (!outcome.model || !r.model || r.model === outcome.model));
}

/** Price of the route that served the request. */
export function costOf(chain: Route[], outcome: ChatOutcome): bigint {
  const p = servedRoute(chain, outcome)?.price;
  const u = outcome.usage;
  if (!p || !u) return 0n;
  return costMicros(u, p);
}

/**
 * This request's chain: fallback-model routes that cannot produce the requested output length
 * are dropped, and the traffic split (if any) draws the first route, from the conversation's
 * hash when the split is sticky.
 */
export function planRequestChain(resolved: ResolveResponse, request: ChatCompletionRequest, userId: string): Route[] {
  const limit = request.max_completion_tokens ?? request.max_tokens;
  const primary = resolved.model?.id;
  let chain = resolved.chain;
  if (limit) chain = chain.filter((r) => !r.model || r.model === primary || !r.maxOutputTokens || r.maxOutputTokens >= limit);
  return planChain(chain, resolved.splitSticky ? { stickyKey: conversationKey(userId, request) } : {});
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

  async start(input: InferenceInput): Promise<InferenceCall> {
    const { deps } = this;
    const resolved = await deps.resolver.resolve(resolveQueryFor(input.request), input.requestId);
    checkAgainstModel(input.request, resolved);
    const model = resolved.model!.id;
    const chain = planRequestChain(resolved, input.request, input.auth.userId);
    const started = performance.now();
    const events = deps.proxy.chat(
      {
        requestId: input.requestId,
        body: input.body,
        model,
        chain,
        stream: input.stream,
        maxOutputTokens: resolved.model!.maxOutputTokens,
      },
      { timeoutMs: deps.requestTimeoutMs, requestId: input.requestId, signal: input.signal },
    );
    let finished = false;
    const finish: InferenceCall['finish'] = ({ status, outcome, errorCode = '' }) => {
      const usage = outcome?.usage ?? create(UsageSchema);
      const cost = status === RequestStatus.SUCCESS && outcome ? costOf(chain, outcome) : 0n;
      if (finished) return { cost, usage };
      finished = true;
      const provider = outcome?.provider ?? '';
      // The model that served (a fallback model, when the primary's providers all failed).
      const served = outcome?.model || model;
      deps.metrics.requests.inc({ model: served, provider, outcome: RequestStatus[status]!.toLowerCase(), stream: String(input.stream) });
      if (status === RequestStatus.SUCCESS && outcome?.usage) {
        deps.metrics.tokens.inc({ model: served, provider, bucket: 'input' }, usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens);
        deps.metrics.tokens.inc({ model: served, provider, bucket: 'output' }, usage.outputTokens);
        deps.metrics.costMicros.inc({ model: served, provider }, Number(cost));
        if (outcome.ttftMs) deps.metrics.ttft.observe({ model: served, provider }, outcome.ttftMs / 1000);
      }
      deps.usage.publish(
        create(UsageRecordedSchema, {
          requestId: input.requestId,
          userId: input.auth.userId,
          keyId: input.auth.keyId,
          model: served,
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
    return { resolved, chain, model, events, finish, responseHeaders: {} };
  }
}
