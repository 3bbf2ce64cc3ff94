import { create } from '@bufbuild/protobuf';
import type { Request, Response } from 'express';
import { GatewayError, errors, toGatewayError, toOpenAIError } from '@gatewayz/errors';
import type { Logger } from '@gatewayz/logger';
import type { inferenceMetrics } from '@gatewayz/metrics';
import { costMicros } from '@gatewayz/pricing';
import {
  RequestStatus,
  UsageRecordedSchema,
  UsageSchema,
  type ChatOutcome,
  type ProviderService,
  type ResolveResponse,
  type Usage,
} from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import { chatCompletionRequestSchema, validationError, type ChatCompletionRequest } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import type { UsagePublisher } from '../events/usage-publisher';
import type { ResolveCache } from '../routing/resolve-cache';
import { CompletionAssembler, completionId, toChunkChoices, toOpenAIUsage } from './openai-format';
import { SseWriter } from './sse-writer';

export interface ChatDeps {
  resolver: ResolveCache;
  proxy: ServiceClient<typeof ProviderService>;
  usage: UsagePublisher;
  metrics: ReturnType<typeof inferenceMetrics>;
  logger: Logger;
  requestTimeoutMs: number;
}

const dec = new TextDecoder();

function chainPrice(resolved: ResolveResponse, provider: string) {
  const route = resolved.chain.find((r) => r.provider === provider);
  const p = route?.price;
  if (!p) return undefined;
  return {
    promptPerMtok: p.promptPerMtok,
    completionPerMtok: p.completionPerMtok,
    cacheReadPerMtok: p.cacheReadPerMtok,
    cacheWritePerMtok: p.cacheWritePerMtok,
    perRequest: p.perRequest,
  };
}

function costOf(resolved: ResolveResponse, outcome: ChatOutcome): bigint {
  const price = chainPrice(resolved, outcome.provider);
  const u = outcome.usage;
  if (!price || !u) return 0n;
  return costMicros(u, price);
}

/** Checks the parts of a request that depend on the resolved model. */
function checkAgainstModel(body: ChatCompletionRequest, resolved: ResolveResponse): void {
  const limit = body.max_completion_tokens ?? body.max_tokens;
  const max = resolved.model?.maxOutputTokens ?? 0;
  if (limit !== undefined && limit !== null && max > 0 && limit > max) {
    const param = body.max_completion_tokens !== undefined && body.max_completion_tokens !== null ? 'max_completion_tokens' : 'max_tokens';
    throw errors.invalidRequest(`'${param}' is ${limit}, but ${resolved.model!.id} generates at most ${max} tokens.`, param);
  }
}

export function chatCompletionsHandler(deps: ChatDeps) {
  return async (req: Request, res: Response): Promise<void> => {
    const auth = req.auth as AuthContext;
    const parsed = chatCompletionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const body = parsed.data;
    const stream = body.stream === true;
    const resolved = await deps.resolver.resolve(body.model, req.id);
    checkAgainstModel(body, resolved);
    const model = resolved.model!.id;

    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const started = performance.now();
    const events = deps.proxy.chat(
      { requestId: req.id, body: req.rawBody!, model, chain: resolved.chain, stream, maxOutputTokens: resolved.model!.maxOutputTokens },
      { timeoutMs: deps.requestTimeoutMs, requestId: req.id, signal: controller.signal },
    );
    const ctx = { id: completionId(), created: Math.floor(Date.now() / 1000), model };
    const record = (status: RequestStatus, outcome: ChatOutcome | undefined, cost: bigint, errorCode = '') => {
      const provider = outcome?.provider ?? '';
      deps.metrics.requests.inc({ model, provider, outcome: RequestStatus[status]!.toLowerCase(), stream: String(stream) });
      if (outcome?.usage && status === RequestStatus.SUCCESS) {
        deps.metrics.tokens.inc({ model, provider, bucket: 'input' }, outcome.usage.inputTokens + outcome.usage.cacheReadTokens + outcome.usage.cacheWriteTokens);
        deps.metrics.tokens.inc({ model, provider, bucket: 'output' }, outcome.usage.outputTokens);
        deps.metrics.costMicros.inc({ model, provider }, Number(cost));
        if (outcome.ttftMs) deps.metrics.ttft.observe({ model, provider }, outcome.ttftMs / 1000);
      }
      deps.usage.publish(
        create(UsageRecordedSchema, {
          requestId: req.id,
          userId: auth.userId,
          keyId: auth.keyId,
          model,
          provider,
          nativeModel: outcome?.nativeModel ?? '',
          stream,
          status,
          errorCode,
          usage: outcome?.usage ?? create(UsageSchema),
          costMicros: status === RequestStatus.SUCCESS ? cost : 0n,
          ttftMs: outcome?.ttftMs ?? 0,
          durationMs: Math.round(performance.now() - started),
          occurredAtMs: BigInt(Date.now()),
        }),
      );
    };

    if (stream) {
      await streamCompletion({ req, res, events, resolved, record, ctx, includeUsage: body.stream_options?.include_usage === true, signal: controller.signal });
    } else {
      await completeCompletion({ res, events, resolved, record, ctx });
    }
  };
}

type Recorder = (status: RequestStatus, outcome: ChatOutcome | undefined, cost: bigint, errorCode?: string) => void;
type Events = AsyncIterable<import('@gatewayz/proto').ChatResponse>;
interface Ctx {
  id: string;
  created: number;
  model: string;
}

async function completeCompletion(a: { res: Response; events: Events; resolved: ResolveResponse; record: Recorder; ctx: Ctx }): Promise<void> {
  const assembler = new CompletionAssembler();
  let outcome: ChatOutcome | undefined;
  try {
    for await (const ev of a.events) {
      if (ev.event.case === 'chunk') assembler.add(ev.event.value);
      else if (ev.event.case === 'outcome') outcome = ev.event.value;
    }
  } catch (err) {
    const gwErr = toGatewayError(err);
    a.record(gwErr.status === 499 ? RequestStatus.CANCELLED : RequestStatus.FAILED, undefined, 0n, gwErr.code);
    throw gwErr;
  }
  if (!outcome) throw errors.internal(new Error('provider stream ended without an outcome'));
  if (outcome.error) {
    a.record(RequestStatus.FAILED, outcome, 0n, outcome.error.code);
    throw new GatewayError({ code: outcome.error.code, message: outcome.error.message, status: outcome.error.httpStatus || 502 });
  }
  const cost = costOf(a.resolved, outcome);
  const usage = outcome.usage ?? create(UsageSchema);
  a.record(RequestStatus.SUCCESS, outcome, cost);
  a.res.json(
    assembler.build({ ...a.ctx, systemFingerprint: outcome.systemFingerprint, provider: outcome.provider, usage: toOpenAIUsage(usage, cost) }),
  );
}

async function streamCompletion(a: {
  req: Request;
  res: Response;
  events: Events;
  resolved: ResolveResponse;
  record: Recorder;
  ctx: Ctx;
  includeUsage: boolean;
  signal: AbortSignal;
}): Promise<void> {
  const sse = new SseWriter(a.res);
  const base = { id: a.ctx.id, object: 'chat.completion.chunk' as const, created: a.ctx.created, model: a.ctx.model };
  const endWithError = (err: GatewayError) => {
    // After the first byte there is no switching provider and no clean-looking end: the client
    // gets an error event (which the OpenAI SDKs raise) with finish_reason "error", then [DONE].
    sse.data(JSON.stringify({ ...base, choices: [{ index: 0, delta: {}, finish_reason: 'error' }], error: toOpenAIError(err).error }));
    sse.done();
  };
  let outcome: ChatOutcome | undefined;
  try {
    for await (const ev of a.events) {
      if (ev.event.case === 'chunk') {
        const chunk = ev.event.value;
        const json =
          chunk.passthroughJson.length > 0
            ? dec.decode(chunk.passthroughJson)
            : JSON.stringify(a.includeUsage ? { ...base, choices: toChunkChoices(chunk), usage: null } : { ...base, choices: toChunkChoices(chunk) });
        if (!sse.data(json)) break;
      } else if (ev.event.case === 'outcome') {
        outcome = ev.event.value;
      }
    }
  } catch (err) {
    const gwErr = toGatewayError(err);
    if (a.signal.aborted || gwErr.status === 499) {
      a.record(RequestStatus.CANCELLED, undefined, 0n, 'cancelled');
      return;
    }
    a.record(RequestStatus.FAILED, undefined, 0n, gwErr.code);
    if (!sse.hasStarted) throw gwErr;
    endWithError(gwErr);
    return;
  }
  if (a.signal.aborted || !outcome) {
    a.record(RequestStatus.CANCELLED, outcome, 0n, 'cancelled');
    return;
  }
  if (outcome.error) {
    a.record(RequestStatus.FAILED, outcome, 0n, outcome.error.code);
    endWithError(new GatewayError({ code: outcome.error.code, message: outcome.error.message, status: outcome.error.httpStatus || 502 }));
    return;
  }
  const cost = costOf(a.resolved, outcome);
  a.record(RequestStatus.SUCCESS, outcome, cost);
  if (a.includeUsage) {
    sse.data(JSON.stringify({ ...base, choices: [], usage: toOpenAIUsage(outcome.usage ?? (create(UsageSchema) as Usage), cost) }));
  }
  sse.done();
}
