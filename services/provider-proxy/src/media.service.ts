import { setTimeout as sleep } from 'node:timers/promises';
import type { MessageInitShape } from '@bufbuild/protobuf';
import { errors, type ProviderError } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { upstreamMetrics } from '@gatewayz/metrics';
import type { AttemptSchema, MediaOutcomeSchema, MediaService, MediaTarget, Route } from '@gatewayz/proto';
import type { MediaAdapter, MediaCall, MediaCapability, MediaResult, ProviderDirectory, TranscriptionInput } from '@gatewayz/providers';
import type { CallContext, ServiceImpl } from '@gatewayz/rpc';
import { AUDIO_FORMATS, type AudioFormat, type EmbeddingsRequest, type ImageGenerationRequest, type SpeechRequest, type TranscriptionParams } from '@gatewayz/wire';
import { asProviderError, exhaustedError } from './chat.service';
import { RequestCredentials } from './credentials';
import { backoffMs, fitsDeadline, verdictFor } from './failover-policy';
import type { HealthObserver } from './health-observer';

type AttemptInit = MessageInitShape<typeof AttemptSchema>;
type OutcomeInit = MessageInitShape<typeof MediaOutcomeSchema>;

export interface MediaServiceDeps {
  adapters: Map<string, MediaAdapter>;
  directory: ProviderDirectory;
  logger: Logger;
  metrics: ReturnType<typeof upstreamMetrics>;
  health: HealthObserver;
  rateLimitRetries: number;
}

function decodeJson<T>(bytes: Uint8Array): T {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8')) as T;
  } catch {
    throw errors.invalidRequest('The request body could not be decoded.');
  }
}

type Attempt<R> = (adapter: MediaAdapter, call: Omit<MediaCall<unknown>, 'request'>) => Promise<MediaResult<R>>;

/**
 * MediaService: one request/response per call, walking the failover chain with the same policy
 * as chat (failover-policy.ts). Only routes whose adapter family offers the capability count.
 */
export function mediaServiceImpl(deps: MediaServiceDeps): ServiceImpl<typeof MediaService> {
  const { adapters, directory, logger, metrics } = deps;

  const observe = (route: Route, model: string, attempt: AttemptInit) => {
    metrics.attempts.inc({ provider: route.provider, result: attempt.errorCode ? 'error' : 'ok', status: String(attempt.status ?? 0) });
    deps.health.record({
      provider: route.provider,
      model,
      native_model: route.nativeModel,
      status: attempt.status ?? 0,
      error_code: attempt.errorCode || null,
      duration_ms: attempt.durationMs ?? 0,
      ttft_ms: null,
      output_tokens: null,
      at: Date.now(),
    });
  };

  async function walk<R>(target: MediaTarget | undefined, capability: MediaCapability, ctx: CallContext, attempt: Attempt<R>): Promise<{ result: MediaResult<R>; outcome: OutcomeInit }> {
    if (!target) throw errors.invalidRequest('The media request has no target.');
    const credentials = new RequestCredentials(directory, target.credentials);
    const attempts: AttemptInit[] = [];
    let last: ProviderError | undefined;
    for (const route of target.chain) {
      const adapter = adapters.get(route.adapter);
      if (!adapter?.[capability] || !credentials.usable(route)) continue;
      for (let retry = 0; ; retry++) {
        const started = performance.now();
        try {
          const result = await attempt(adapter, {
            target: { provider: route.provider, adapter: route.adapter, nativeModel: route.nativeModel, baseUrl: route.baseUrl },
            credentials: credentials.for(route),
            requestId: ctx.requestId,
            signal: ctx.signal,
          });
          const ok = { provider: route.provider, status: 200, errorCode: '', durationMs: Math.round(performance.now() - started) };
          attempts.push(ok);
          observe(route, target.model, ok);
          metrics.duration.observe({ provider: route.provider }, (performance.now() - started) / 1000);
          return { result, outcome: { provider: route.provider, nativeModel: route.nativeModel, usage: result.usage, attempts } };
        } catch (err) {
          const perr = credentials.explain(asProviderError(err, route.provider, ctx.signal));
          const failed = { provider: route.provider, status: perr.upstreamStatus, errorCode: perr.code, durationMs: Math.round(performance.now() - started) };
          attempts.push(failed);
          if (perr.status !== 499) observe(route, target.model, failed);
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
          logger.warn('provider attempt failed; trying the next', { provider: route.provider, status: perr.upstreamStatus, code: perr.code, capability });
          break;
        }
      }
    }
    throw exhaustedError(target.model, attempts, last);
  }

  return {
    async embed(req, ctx) {
      const request = decodeJson<EmbeddingsRequest>(req.body);
      const { result, outcome } = await walk(req.target, 'embed', ctx, (adapter, call) => adapter.embed!({ ...call, request }));
      return { ...result.response, outcome };
    },
    async generateImage(req, ctx) {
      const request = decodeJson<ImageGenerationRequest>(req.body);
      const { result, outcome } = await walk(req.target, 'generateImage', ctx, (adapter, call) => adapter.generateImage!({ ...call, request }));
      return { ...result.response, outcome };
    },
    async transcribe(req, ctx) {
      if (!(AUDIO_FORMATS as readonly string[]).includes(req.format)) {
        throw errors.invalidRequest(`Unsupported audio format '${req.format}'. Supported formats: ${AUDIO_FORMATS.join(', ')}.`, 'file');
      }
      const input: TranscriptionInput = {
        params: decodeJson<TranscriptionParams>(req.params),
        audio: req.audio,
        filename: req.filename,
        format: req.format as AudioFormat,
      };
      const { result, outcome } = await walk(req.target, 'transcribe', ctx, (adapter, call) => adapter.transcribe!({ ...call, request: input }));
      return { ...result.response, outcome };
    },
    async speak(req, ctx) {
      const request = decodeJson<SpeechRequest>(req.body);
      const { result, outcome } = await walk(req.target, 'speak', ctx, (adapter, call) => adapter.speak!({ ...call, request }));
      return { ...result.response, outcome };
    },
  };
}
