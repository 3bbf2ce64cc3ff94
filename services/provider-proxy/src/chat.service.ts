import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import type { CircuitBreakers } from '@gatewayz/breakers';
import { GatewayError, ProviderError, errors, isGatewayError } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { upstreamMetrics } from '@gatewayz/metrics';
import type { AttemptSchema, ChatRequest, ChatResponseSchema, ProviderService, Route } from '@gatewayz/proto';
import { estimateUsage, transportError, type AdapterEvent, type NormalizedChunk, type NormalizedUsage, type ProviderAdapter, type ProviderDirectory } from '@gatewayz/providers';
import type { CallContext, ServiceImpl } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import { RequestCredentials } from './credentials';
import { breakerVerdict, isTranslationRejection, rateLimitDelay, verdictFor } from './failover-policy';
import type { HealthObserver } from './health-observer';

type ChatResponseInit = MessageInitShape<typeof ChatResponseSchema>;
type AttemptInit = MessageInitShape<typeof AttemptSchema>;

export interface ChatServiceDeps {
  adapters: Map<string, ProviderAdapter>;
  directory: ProviderDirectory;
  logger: Logger;
  metrics: ReturnType<typeof upstreamMetrics>;
  health: HealthObserver;
  breakers: CircuitBreakers;
  rateLimitRetries: number;
  /** A Retry-After longer than this is not waited for: the next provider is tried at once. */
  rateLimitMaxWaitMs: number;
  /** Credentials of admin-registered providers, reloaded when a route names one not yet known. */
  storedCredentials?: { refreshOnMiss(slug: string): Promise<void> };
}

export function asProviderError(err: unknown, provider: string, signal: AbortSignal): ProviderError {
  if (err instanceof ProviderError) return err;
  if (isGatewayError(err)) {
    return new ProviderError({ provider, upstreamStatus: 0, code: err.code, message: err.message, status: err.status, param: err.param });
  }
  return transportError(provider, err, signal);
}

/** The generated text of a chunk, for counting tokens when a provider reports no usage. */
function outputText(chunk: NormalizedChunk, into: string[]): void {
  for (const c of chunk.choices ?? []) {
    if (c.content) into.push(c.content);
    if (c.reasoning) into.push(c.reasoning);
    if (c.refusal) into.push(c.refusal);
    for (const t of c.toolCalls ?? []) {
      if (t.name) into.push(t.name);
      if (t.arguments) into.push(t.arguments);
    }
  }
}

/** Usage counted by the gateway when the provider reported none (a real tokenizer where one applies). */
async function estimated(input: Parameters<typeof estimateUsage>[0]): Promise<NormalizedUsage> {
  const { tokenizer: _tokenizer, ...usage } = await estimateUsage(input);
  return usage;
}

/** The error a client gets when no provider in the chain could serve the request. */
export function exhaustedError(
  model: string,
  attempts: AttemptInit[],
  last: ProviderError | undefined,
  why: { rejection?: ProviderError; breakerRetryAt?: number } = {},
): GatewayError {
  if (!last) {
    // Every provider that was tried refused a parameter: the request cannot be served as asked.
    if (why.rejection) return why.rejection;
    if (why.breakerRetryAt === undefined) return errors.noProviderAvailable(model);
    const seconds = Math.max(1, Math.ceil((why.breakerRetryAt - Date.now()) / 1000));
    return new GatewayError({
      code: 'no_provider_available',
      status: 503,
      message: `Every provider serving '${model}' is failing right now (circuit open); retry after ${seconds}s.`,
      headers: { 'retry-after': String(seconds) },
    });
  }
  if (last.upstreamStatus === 429 || last.status === 429) {
    const waitMs = Math.max(0, last.retryAfterMs ?? 1000);
    const seconds = Math.max(1, Math.ceil(waitMs / 1000));
    return new GatewayError({
      code: 'upstream_rate_limited',
      status: 429,
      message: `Every provider serving '${model}' is rate limiting right now; retry after ${seconds}s.`,
      // retry-after-ms (as OpenAI sends it) keeps sub-second precision for the SDKs that read it.
      headers: { 'retry-after': String(seconds), 'retry-after-ms': String(Math.max(1, waitMs)) },
    });
  }
  const prefix = attempts.length > 1 ? `All ${attempts.length} provider attempts for '${model}' failed; the last: ` : '';
  return new GatewayError({ code: last.code, status: last.status === 504 ? 504 : 502, message: `${prefix}${last.message}` });
}

interface Opened {
  iterator: AsyncIterator<AdapterEvent>;
  first: IteratorResult<AdapterEvent>;
  attemptStart: number;
}

/**
 * One walk down one request's chain: breaker admission per route, the 429 retry loop, failover
 * before the first byte, and after it a committed stream (no silent switch).
 */
class ChainWalk {
  readonly attempts: AttemptInit[] = [];
  last: ProviderError | undefined;
  breakerRetryAt: number | undefined;
  /** A provider refused a parameter before anything was sent (another one may honour it). */
  rejection: ProviderError | undefined;
  private readonly started = performance.now();

  constructor(
    private readonly deps: ChatServiceDeps,
    private readonly req: ChatRequest,
    private readonly ctx: CallContext,
    private readonly request: ChatCompletionRequest,
    private readonly credentials: RequestCredentials,
  ) {}

  modelOf(route: Route): string {
    return route.model || this.req.model;
  }

  private observe(route: Route, attempt: AttemptInit, extra: { ttftMs?: number; outputTokens?: number } = {}): void {
    this.deps.metrics.attempts.inc({ provider: route.provider, result: attempt.errorCode ? 'error' : 'ok', status: String(attempt.status ?? 0) });
    this.deps.health.record({
      provider: route.provider,
      model: this.modelOf(route),
      native_model: route.nativeModel,
      status: attempt.status ?? 0,
      error_code: attempt.errorCode || null,
      duration_ms: attempt.durationMs ?? 0,
      ttft_ms: extra.ttftMs ?? null,
      output_tokens: extra.outputTokens ?? null,
      at: Date.now(),
    });
  }

  private countForBreaker(route: Route, err: ProviderError): void {
    const verdict = breakerVerdict(err);
    const { breakers } = this.deps;
    const model = this.modelOf(route);
    const done = verdict === 'neutral' ? breakers.release(route.provider, model) : breakers.record(route.provider, model, verdict);
    void done.catch(() => undefined);
  }

  /** Admission by the provider's and the provider+model's breakers. */
  async admitted(route: Route): Promise<boolean> {
    const admission = await this.deps.breakers.acquire(route.provider, this.modelOf(route));
    if (admission.allowed) return true;
    this.attempts.push({ provider: route.provider, status: 0, errorCode: 'circuit_open', durationMs: 0 });
    this.breakerRetryAt = Math.min(this.breakerRetryAt ?? admission.retryAt, admission.retryAt);
    return false;
  }

  /** Calls the route until its first event (retrying 429s); undefined: move to the next route. */
  async open(route: Route, adapter: ProviderAdapter): Promise<Opened | undefined> {
    const { deps, ctx } = this;
    for (let retry = 0; ; retry++) {
      const attemptStart = performance.now();
      const iterator = adapter
        .chat({
          target: { provider: route.provider, adapter: route.adapter, nativeModel: route.nativeModel, baseUrl: route.baseUrl },
          credentials: this.credentials.for(route),
          request: this.request,
          stream: this.req.stream,
          requestId: ctx.requestId,
          signal: ctx.signal,
          maxOutputTokens: route.maxOutputTokens || this.req.maxOutputTokens,
        })
        [Symbol.asyncIterator]();
      try {
        const first = await iterator.next();
        if (first.done || first.value.type === 'end') {
          // An answer with nothing in it is a failure (never charged), and nothing has
          // reached the client yet, so the next provider may still serve it.
          await iterator.return?.();
          throw new ProviderError({ provider: route.provider, upstreamStatus: 200, code: 'upstream_empty_response', message: `Provider ${route.provider} returned an empty response.`, status: 502 });
        }
        return { iterator, first, attemptStart };
      } catch (err) {
        const perr = this.credentials.explain(asProviderError(err, route.provider, ctx.signal));
        const attempt = { provider: route.provider, status: perr.upstreamStatus, errorCode: perr.code, durationMs: Math.round(performance.now() - attemptStart) };
        this.attempts.push(attempt);
        if (isTranslationRejection(perr)) {
          // Not the provider's failure (nothing was sent): no health or breaker signal; next route.
          this.rejection ??= perr;
          void deps.breakers.release(route.provider, this.modelOf(route)).catch(() => undefined);
          deps.logger.debug('provider cannot honour a parameter; trying the next', { provider: route.provider, param: perr.param });
          return undefined;
        }
        if (perr.status !== 499) this.observe(route, attempt);
        const verdict = verdictFor(perr);
        if (verdict === 'retry_same_provider' && retry < deps.rateLimitRetries) {
          const delay = rateLimitDelay({ retry, retryAfterMs: perr.retryAfterMs, maxWaitMs: deps.rateLimitMaxWaitMs, deadline: ctx.deadline });
          if (delay !== undefined) {
            await sleep(delay, undefined, { signal: ctx.signal }).catch(() => undefined);
            if (!ctx.signal.aborted) continue;
          }
        }
        this.countForBreaker(route, perr);
        if (verdict === 'return_to_client' || ctx.signal.aborted) throw perr;
        this.last = perr;
        deps.metrics.failovers.inc({ from_provider: route.provider, reason: String(perr.upstreamStatus || perr.code) });
        deps.logger.warn('provider attempt failed; trying the next', { provider: route.provider, status: perr.upstreamStatus, code: perr.code });
        return undefined;
      }
    }
  }

  /** Committed: this provider answers. From here on there is no silent switch. */
  async *stream(route: Route, routeIndex: number, opened: Opened): AsyncIterable<ChatResponseInit> {
    const { deps, ctx } = this;
    const { iterator, first, attemptStart } = opened;
    const ttftMs = Math.round(performance.now() - this.started);
    const attemptTtftMs = Math.round(performance.now() - attemptStart);
    deps.metrics.duration.observe({ provider: route.provider }, attemptTtftMs / 1000);
    const generated: string[] = [];
    let usage: NormalizedUsage | undefined;
    let meta: { id?: string; systemFingerprint?: string } = {};
    let streamError: ProviderError | undefined;
    try {
      for (let r: IteratorResult<AdapterEvent> = first; !r.done; r = await iterator.next()) {
        const event = r.value;
        if (event.type === 'chunk') {
          outputText(event.chunk, generated);
          yield { event: { case: 'chunk', value: event.chunk } };
        } else {
          usage = event.usage;
          meta = event.meta;
        }
      }
    } catch (err) {
      streamError = asProviderError(err, route.provider, ctx.signal);
      if (streamError.status === 499) throw streamError;
    } finally {
      await iterator.return?.();
    }
    const finalUsage =
      usage ?? (await estimated({ model: this.modelOf(route), nativeModel: route.nativeModel, request: this.request, output: generated.join('') }));
    const attempt = { provider: route.provider, status: streamError ? streamError.upstreamStatus : 200, errorCode: streamError?.code ?? '', durationMs: Math.round(performance.now() - attemptStart) };
    this.attempts.push(attempt);
    this.observe(route, attempt, { ttftMs: attemptTtftMs, outputTokens: finalUsage.outputTokens });
    if (streamError) {
      this.countForBreaker(route, streamError);
      deps.logger.warn('stream failed after its first chunk', { provider: route.provider, code: streamError.code });
    } else {
      void deps.breakers.record(route.provider, this.modelOf(route), 'success').catch(() => undefined);
    }
    yield {
      event: {
        case: 'outcome',
        value: {
          provider: route.provider,
          nativeModel: route.nativeModel,
          usage: finalUsage,
          upstreamId: meta.id ?? '',
          systemFingerprint: meta.systemFingerprint ?? '',
          attempts: this.attempts,
          ttftMs,
          routeIndex,
          model: this.modelOf(route),
          error: streamError
            ? { code: streamError.code, message: streamError.message, httpStatus: streamError.status, type: streamError.type, param: streamError.param ?? '' }
            : undefined,
        },
      },
    };
  }
}

export function chatServiceImpl(deps: ChatServiceDeps): ServiceImpl<typeof ProviderService> {
  return {
    async *chat(req: ChatRequest, ctx: CallContext): AsyncIterable<ChatResponseInit> {
      let request: ChatCompletionRequest;
      try {
        request = JSON.parse(Buffer.from(req.body).toString('utf8')) as ChatCompletionRequest;
      } catch {
        throw errors.invalidRequest('The request body could not be decoded.');
      }
      const credentials = new RequestCredentials(deps.directory, req.credentials);
      const walk = new ChainWalk(deps, req, ctx, request, credentials);
      for (let index = 0; index < req.chain.length; index++) {
        const route = req.chain[index]!;
        const adapter = deps.adapters.get(route.adapter);
        if (!adapter) continue;
        // A provider registered by an admin moments ago may be unknown to this replica yet.
        if (!credentials.usable(route)) await deps.storedCredentials?.refreshOnMiss(route.provider);
        if (!credentials.usable(route)) continue;
        if (!(await walk.admitted(route))) continue;
        const opened = await walk.open(route, adapter);
        if (!opened) continue;
        yield* walk.stream(route, index, opened);
        return;
      }
      throw exhaustedError(req.model, walk.attempts, walk.last, { rejection: walk.rejection, breakerRetryAt: walk.breakerRetryAt });
    },
  };
}
