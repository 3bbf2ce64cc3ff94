import { create, type MessageInitShape } from '@bufbuild/protobuf';
import { errors, toGatewayError } from '@gatewayz/errors';
import type { inferenceMetrics } from '@gatewayz/metrics';
import { costMicros, mediaCostMicros } from '@gatewayz/pricing';
import {
  RequestStatus,
  UsageRecordedSchema,
  UsageSchema,
  type BillingService,
  type ChatOutcome,
  type ChatResponse,
  type MediaOutcome,
  type MediaService,
  type MediaTargetSchema,
  type Price,
  type ProviderCredentialSchema,
  type ProviderService,
  type ResolveResponse,
  type Route,
  type Usage,
} from '@gatewayz/proto';
import { conversationKey, planChain } from '@gatewayz/routing';
import type { CallOptions, ServiceClient } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import type { UsagePublisher } from '../events/usage-publisher';
import type { ResolveCache } from '../routing/resolve-cache';
import { modelQuery, resolveQueryFor, withByok, type ResolveQuery } from '../routing/resolve-query';
import { authorizeInference, chatEstimate, type UsageEstimate } from './billing-gate';
import { checkEndpoint, type Endpoint } from './modality';

/**
 * The edge's side of one inference, independent of the API format the client speaks: resolve
 * the model (with the user's own provider keys, BYOK), call provider-proxy, and at the end price
 * the outcome and record it (usage.recorded). Every request ends in `record`, the one place
 * where what a request cost is decided and published.
 *
 * Chat (streamed, driven by a format writer: OpenAI chat, Anthropic messages, legacy
 * completions):
 *   const call = await inference.start(...);     // errors here → a normal error response
 *   for await (const ev of call.events) ...       // chunks, then one outcome
 *   const { cost } = call.finish(...);            // exactly once
 *
 * Unary media (embeddings, images, transcription, speech):
 *   const call = await inference.startUnary(...);
 *   const { response, cost } = await call.run((media, options) => media.embed({ target: call.target, body }, options));
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
  /** This request's chain (after fallback filtering and the traffic-split draw). */
  chain: Route[];
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

export interface UnaryInput {
  requestId: string;
  auth: AuthContext;
  /** The model as the client sent it. */
  model: string;
  endpoint: Exclude<Endpoint, 'chat'>;
  /** What the request may consume, for the billing reservation (tokens, images, audio seconds, characters). */
  estimate: UsageEstimate;
  signal: AbortSignal;
}

type MediaTargetInit = MessageInitShape<typeof MediaTargetSchema>;

export interface UnaryCall {
  resolved: ResolveResponse;
  model: string;
  /** Where provider-proxy sends it: chain and BYOK credentials. */
  target: MediaTargetInit;
  responseHeaders: Record<string, string>;
  /** Calls provider-proxy's MediaService once and records the outcome (exactly once). */
  run<T extends { outcome?: MediaOutcome }>(invoke: (media: ServiceClient<typeof MediaService>, options: CallOptions) => Promise<T>): Promise<{ response: T; cost: bigint }>;
}

/** Where a user's own provider keys come from (services/edge/src/byok). */
export interface ByokSource {
  forUser(userId: string): Promise<{ provider: string; apiKey: string }[]>;
}

export interface InferenceDeps {
  resolver: ResolveCache;
  proxy: ServiceClient<typeof ProviderService>;
  media: ServiceClient<typeof MediaService>;
  byok: ByokSource;
  billing: ServiceClient<typeof BillingService>;
  billingTimeoutMs: number;
  usage: UsagePublisher;
  metrics: ReturnType<typeof inferenceMetrics>;
  requestTimeoutMs: number;
  /** Identity: fills the key's token budgets (layer-2 TPM / per day / per month) with what it used. */
  tokenMeter?: { record(auth: AuthContext, usage: Usage): void };
}

function priceOf(resolved: ResolveResponse, provider: string): Price | undefined {
  return resolved.chain.find((r) => r.provider === provider)?.price;
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

/** Price of a media request in its units (tokens, images, audio seconds, characters). */
export function mediaCostOf(resolved: ResolveResponse, outcome: MediaOutcome): bigint {
  const p = priceOf(resolved, outcome.provider);
  const u = outcome.usage;
  if (!p || !u) return 0n;
  return mediaCostMicros(u, p);
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

/** How a request ended, as `record` needs it. */
interface Ending {
  requestId: string;
  auth: AuthContext;
  model: string;
  stream: boolean;
  started: number;
  status: RequestStatus;
  provider: string;
  nativeModel: string;
  usage: Usage;
  /** Whether `usage` holds provider-reported tokens worth counting in metrics. */
  countTokens: boolean;
  cost: bigint;
  ttftMs: number;
  errorCode: string;
}

export class InferenceService {
  constructor(private readonly deps: InferenceDeps) {}

  /**
   * Resolves a model for a user: their BYOK providers are part of the chain (and first), and
   * the model must be one this endpoint serves. The keys of providers in the chain go along.
   */
  async resolveFor(input: { requestId: string; auth: AuthContext; query: ResolveQuery; endpoint: Endpoint }): Promise<{
    resolved: ResolveResponse;
    credentials: MessageInitShape<typeof ProviderCredentialSchema>[];
  }> {
    const keys = await this.deps.byok.forUser(input.auth.userId);
    const query = withByok(
      input.query,
      keys.map((k) => k.provider),
    );
    const resolved = await this.deps.resolver.resolve(query, input.requestId);
    checkEndpoint(resolved, input.endpoint);
    const inChain = new Set(resolved.chain.map((r) => r.provider));
    return { resolved, credentials: keys.filter((k) => inChain.has(k.provider)).map((k) => ({ provider: k.provider, apiKey: k.apiKey })) };
  }

  /**
   * Pre-flight billing, after resolve and before any provider call (every entry point): the
   * pricing guard, then a reservation of the maximum cost over the routes the gateway pays for
   * (402/409/503 otherwise). Routes served with the user's own key (BYOK) cost nothing and hold
   * nothing; a chain made only of them needs no credits. Returns the response headers to send.
   */
  private authorize(input: {
    requestId: string;
    auth: AuthContext;
    resolved: ResolveResponse;
    credentials: { provider?: string }[];
    estimate: UsageEstimate;
    signal: AbortSignal;
  }): Promise<Record<string, string>> {
    const own = new Set(input.credentials.map((c) => c.provider));
    const paid = input.resolved.chain.filter((r) => !own.has(r.provider));
    if (paid.length === 0) return Promise.resolve({});
    const resolved = paid.length === input.resolved.chain.length ? input.resolved : { ...input.resolved, chain: paid };
    return authorizeInference(this.deps.billing, { ...input, resolved }, this.deps.billingTimeoutMs);
  }

  /** A request served with the user's own key is paid to the provider directly: it costs 0. */
  private static servedByByok(credentials: { provider?: string }[], provider: string): boolean {
    return provider !== '' && credentials.some((c) => c.provider === provider);
  }

  async start(input: InferenceInput): Promise<InferenceCall> {
    const { deps } = this;
    const query = resolveQueryFor(input.request);
    const { resolved, credentials } = await this.resolveFor({ requestId: input.requestId, auth: input.auth, query, endpoint: 'chat' });
    checkAgainstModel(input.request, resolved);
    const model = resolved.model!.id;
    const chain = planRequestChain(resolved, input.request, input.auth.userId);
    const responseHeaders = await this.authorize({
      requestId: input.requestId,
      auth: input.auth,
      resolved,
      credentials,
      estimate: chatEstimate(input.request, resolved),
      signal: input.signal,
    });
    const started = performance.now();
    const events = deps.proxy.chat(
      {
        requestId: input.requestId,
        body: input.body,
        model,
        chain,
        stream: input.stream,
        maxOutputTokens: resolved.model!.maxOutputTokens,
        credentials,
      },
      { timeoutMs: deps.requestTimeoutMs, requestId: input.requestId, signal: input.signal },
    );
    let finished = false;
    const finish: InferenceCall['finish'] = ({ status, outcome, errorCode = '' }) => {
      const usage = outcome?.usage ?? create(UsageSchema);
      const provider = outcome?.provider ?? '';
      const priced = status === RequestStatus.SUCCESS && outcome !== undefined && !InferenceService.servedByByok(credentials, provider);
      const cost = priced ? costOf(chain, outcome) : 0n;
      if (finished) return { cost, usage };
      finished = true;
      this.record({
        requestId: input.requestId,
        auth: input.auth,
        // The model that served (a fallback model, when the primary's providers all failed).
        model: outcome?.model || model,
        stream: input.stream,
        started,
        status,
        provider,
        nativeModel: outcome?.nativeModel ?? '',
        usage,
        countTokens: status === RequestStatus.SUCCESS && outcome?.usage !== undefined,
        cost,
        ttftMs: outcome?.ttftMs ?? 0,
        errorCode,
      });
      return { cost, usage };
    };
    return { resolved, chain, model, events, finish, responseHeaders };
  }

  async startUnary(input: UnaryInput): Promise<UnaryCall> {
    const { deps } = this;
    const { resolved, credentials } = await this.resolveFor({ ...input, query: modelQuery(input.model) });
    const model = resolved.model!.id;
    const responseHeaders = await this.authorize({ requestId: input.requestId, auth: input.auth, resolved, credentials, estimate: input.estimate, signal: input.signal });
    const target: MediaTargetInit = { requestId: input.requestId, model, chain: resolved.chain, credentials };
    let finished = false;
    const run: UnaryCall['run'] = async (invoke) => {
      if (finished) throw errors.internal(new Error('a unary call runs once'));
      finished = true;
      const started = performance.now();
      const base = { requestId: input.requestId, auth: input.auth, model, stream: false, started, ttftMs: 0 };
      let response;
      try {
        response = await invoke(deps.media, { timeoutMs: deps.requestTimeoutMs, requestId: input.requestId, signal: input.signal });
      } catch (err) {
        const gwErr = toGatewayError(err);
        const status = input.signal.aborted || gwErr.status === 499 ? RequestStatus.CANCELLED : RequestStatus.FAILED;
        this.record({ ...base, status, provider: '', nativeModel: '', usage: create(UsageSchema), countTokens: false, cost: 0n, errorCode: gwErr.code });
        throw gwErr;
      }
      const outcome = response.outcome;
      const provider = outcome?.provider ?? '';
      const cost = outcome && !InferenceService.servedByByok(credentials, provider) ? mediaCostOf(resolved, outcome) : 0n;
      const m = outcome?.usage;
      const usage = create(UsageSchema, { inputTokens: m?.inputTokens ?? 0, outputTokens: m?.outputTokens ?? 0, estimated: m?.estimated ?? false });
      this.record({ ...base, status: RequestStatus.SUCCESS, provider, nativeModel: outcome?.nativeModel ?? '', usage, countTokens: true, cost, errorCode: '' });
      return { response, cost };
    };
    return { resolved, model, target, run, responseHeaders };
  }

  /** Metrics and usage.recorded for one finished request: the hook for everything after it. */
  private record(e: Ending): void {
    const { deps } = this;
    const { model, provider, usage } = e;
    deps.metrics.requests.inc({ model, provider, outcome: RequestStatus[e.status]!.toLowerCase(), stream: String(e.stream) });
    if (e.countTokens) {
      deps.metrics.tokens.inc({ model, provider, bucket: 'input' }, usage.inputTokens + usage.cacheReadTokens + usage.cacheWriteTokens);
      deps.metrics.tokens.inc({ model, provider, bucket: 'output' }, usage.outputTokens);
      deps.metrics.costMicros.inc({ model, provider }, Number(e.cost));
      if (e.ttftMs) deps.metrics.ttft.observe({ model, provider }, e.ttftMs / 1000);
    }
    deps.usage.publish(
      create(UsageRecordedSchema, {
        requestId: e.requestId,
        userId: e.auth.userId,
        keyId: e.auth.keyId,
        model,
        provider,
        nativeModel: e.nativeModel,
        stream: e.stream,
        status: e.status,
        errorCode: e.errorCode,
        usage,
        costMicros: e.cost,
        ttftMs: e.ttftMs,
        durationMs: Math.round(performance.now() - e.started),
        occurredAtMs: BigInt(Date.now()),
      }),
    );
    // Token budgets (per-key TPM, tokens per day/month) count what each request used.
    deps.tokenMeter?.record(e.auth, usage);
  }
}
