import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { GatewayError, ProviderError, errors, isGatewayError } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { upstreamMetrics } from '@gatewayz/metrics';
import type { AttemptSchema, ChatRequest, ChatResponseSchema, ProviderService, Route } from '@gatewayz/proto';
import { estimateUsage, transportError, type AdapterEvent, type NormalizedChunk, type NormalizedUsage, type ProviderAdapter, type ProviderDirectory } from '@gatewayz/providers';
import type { CallContext, ServiceImpl } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import { RequestCredentials } from './credentials';
import { backoffMs, fitsDeadline, isTranslationRejection, verdictFor } from './failover-policy';
import type { HealthObserver } from './health-observer';

type ChatResponseInit = MessageInitShape<typeof ChatResponseSchema>;
type AttemptInit = MessageInitShape<typeof AttemptSchema>;

export interface ChatServiceDeps {
  adapters: Map<string, ProviderAdapter>;
  directory: ProviderDirectory;
  logger: Logger;
  metrics: ReturnType<typeof upstreamMetrics>;
  health: HealthObserver;
  rateLimitRetries: number;
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
export function exhaustedError(model: string, attempts: AttemptInit[], last: ProviderError | undefined, rejection?: ProviderError): GatewayError {
  // Every provider that was tried refused a parameter: the request cannot be served as asked.
  if (!last) return rejection ?? errors.noProviderAvailable(model);
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

export function chatServiceImpl(deps: ChatServiceDeps): ServiceImpl<typeof ProviderService> {
  const { adapters, directory, logger, metrics } = deps;

  const observe = (route: Route, model: string, attempt: AttemptInit, ttftMs: number | undefined) => {
    metrics.attempts.inc({ provider: route.provider, result: attempt.errorCode ? 'error' : 'ok', status: String(attempt.status ?? 0) });
    deps.health.record({
      provider: route.provider,
      model,
      native_model: route.nativeModel,
      status: attempt.status ?? 0,
      error_code: attempt.errorCode || null,
      duration_ms: attempt.durationMs ?? 0,
      ttft_ms: ttftMs ?? null,
      at: Date.now(),
    });
  };

  return {
    async *chat(req: ChatRequest, ctx: CallContext): AsyncIterable<ChatResponseInit> {
      const started = performance.now();
      let request: ChatCompletionRequest;
      try {
        request = JSON.parse(Buffer.from(req.body).toString('utf8')) as ChatCompletionRequest;
      } catch {
        throw errors.invalidRequest('The request body could not be decoded.');
      }
      const attempts: AttemptInit[] = [];
      let last: ProviderError | undefined;
      const credentials = new RequestCredentials(directory, req.credentials);
      let rejection: ProviderError | undefined;

      for (const route of req.chain) {
        const adapter = adapters.get(route.adapter);
        if (!adapter) continue;
        // A provider registered by an admin moments ago may be unknown to this replica yet.
        if (!credentials.usable(route)) await deps.storedCredentials?.refreshOnMiss(route.provider);
        if (!credentials.usable(route)) continue;
        for (let retry = 0; ; retry++) {
          const attemptStart = performance.now();
          const iterator = adapter
            .chat({
              target: { provider: route.provider, adapter: route.adapter, nativeModel: route.nativeModel, baseUrl: route.baseUrl },
              credentials: credentials.for(route),
              request,
              stream: req.stream,
              requestId: ctx.requestId,
              signal: ctx.signal,
              maxOutputTokens: req.maxOutputTokens,
            })
            [Symbol.asyncIterator]();
          let first: IteratorResult<AdapterEvent>;
          try {
            first = await iterator.next();
            if (first.done || first.value.type === 'end') {
              // An answer with nothing in it is a failure (never charged), and nothing has
              // reached the client yet, so the next provider may still serve it.
              await iterator.return?.();
              throw new ProviderError({
                provider: route.provider,
                upstreamStatus: 200,
                code: 'upstream_empty_response',
                message: `Provider ${route.provider} returned an empty response.`,
                status: 502,
              });
            }
          } catch (err) {
            const perr = credentials.explain(asProviderError(err, route.provider, ctx.signal));
            const attempt = { provider: route.provider, status: perr.upstreamStatus, errorCode: perr.code, durationMs: Math.round(performance.now() - attemptStart) };
            attempts.push(attempt);
            if (isTranslationRejection(perr)) {
              // Not the provider's failure (nothing was sent): no health signal, try the next one.
              rejection ??= perr;
              logger.debug('provider cannot honour a parameter; trying the next', { provider: route.provider, param: perr.param });
              break;
            }
            if (perr.status !== 499) observe(route, req.model, attempt, undefined);
            const verdict = verdictFor(perr);
            if (verdict === 'return_to_client') throw perr;
            last = perr;
            if (verdict === 'retry_same_provider' && retry < deps.rateLimitRetries) {
              const delay = backoffMs(retry, perr.retryAfterMs);
              if (fitsDeadline(delay, ctx.deadline)) {
                await sleep(delay, undefined, { signal: ctx.signal }).catch(() => undefined);
                if (ctx.signal.aborted) throw perr;
                continue;
              }
            }
            metrics.failovers.inc({ from_provider: route.provider, reason: String(perr.upstreamStatus || perr.code) });
            logger.warn('provider attempt failed; trying the next', { provider: route.provider, status: perr.upstreamStatus, code: perr.code });
            break;
          }

          // Committed: this provider answers. From here on there is no silent switch.
          const ttftMs = Math.round(performance.now() - started);
          metrics.duration.observe({ provider: route.provider }, (performance.now() - attemptStart) / 1000);
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
          const attempt = {
            provider: route.provider,
            status: streamError ? streamError.upstreamStatus : 200,
            errorCode: streamError?.code ?? '',
            durationMs: Math.round(performance.now() - attemptStart),
          };
          attempts.push(attempt);
          observe(route, req.model, attempt, ttftMs);
          if (streamError) logger.warn('stream failed after its first chunk', { provider: route.provider, code: streamError.code });
          yield {
            event: {
              case: 'outcome',
              value: {
                provider: route.provider,
                nativeModel: route.nativeModel,
                usage: usage ?? (await estimated({ model: req.model, nativeModel: route.nativeModel, request, output: generated.join('') })),
                upstreamId: meta.id ?? '',
                systemFingerprint: meta.systemFingerprint ?? '',
                attempts,
                ttftMs,
                error: streamError
                  ? { code: streamError.code, message: streamError.message, httpStatus: streamError.status, type: streamError.type, param: streamError.param ?? '' }
                  : undefined,
              },
            },
          };
          return;
        }
      }
      throw exhaustedError(req.model, attempts, last, rejection);
    },
  };
}
