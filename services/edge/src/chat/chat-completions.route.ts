import type { Request, Response } from 'express';
import { GatewayError, errors, toGatewayError, toOpenAIError } from '@gatewayz/errors';
import { RequestStatus, type ChatOutcome } from '@gatewayz/proto';
import { chatCompletionRequestSchema, validationError } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import type { InferenceCall, InferenceService } from '../inference/inference.service';
import { CompletionAssembler, completionId, toChunkChoices, toOpenAIUsage } from './openai-format';
import { SseWriter } from './sse-writer';

const dec = new TextDecoder();

interface Ctx {
  id: string;
  created: number;
  model: string;
}

/** POST /v1/chat/completions: OpenAI format in, OpenAI format out (JSON or SSE). */
export function chatCompletionsHandler(inference: InferenceService) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = chatCompletionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const request = parsed.data;
    const stream = request.stream === true;
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const call = await inference.start({
      requestId: req.id,
      auth: req.auth as AuthContext,
      request,
      body: req.rawBody!,
      stream,
      signal: controller.signal,
    });
    for (const [name, value] of Object.entries(call.responseHeaders)) res.setHeader(name, value);
    const ctx = { id: completionId(), created: Math.floor(Date.now() / 1000), model: call.model };
    if (stream) {
      await streamCompletion({ res, call, ctx, includeUsage: request.stream_options?.include_usage === true, signal: controller.signal });
    } else {
      await completeCompletion({ res, call, ctx });
    }
  };
}

function outcomeError(outcome: ChatOutcome): GatewayError {
  const e = outcome.error!;
  return new GatewayError({ code: e.code, message: e.message, status: e.httpStatus || 502 });
}

async function completeCompletion(a: { res: Response; call: InferenceCall; ctx: Ctx }): Promise<void> {
  const assembler = new CompletionAssembler();
  let outcome: ChatOutcome | undefined;
  try {
    for await (const ev of a.call.events) {
      if (ev.event.case === 'chunk') assembler.add(ev.event.value);
      else if (ev.event.case === 'outcome') outcome = ev.event.value;
    }
  } catch (err) {
    const gwErr = toGatewayError(err);
    a.call.finish({ status: gwErr.status === 499 ? RequestStatus.CANCELLED : RequestStatus.FAILED, errorCode: gwErr.code });
    throw gwErr;
  }
  if (!outcome) throw errors.internal(new Error('provider stream ended without an outcome'));
  if (outcome.error) {
    a.call.finish({ status: RequestStatus.FAILED, outcome, errorCode: outcome.error.code });
    throw outcomeError(outcome);
  }
  const { cost, usage } = a.call.finish({ status: RequestStatus.SUCCESS, outcome });
  // The model that served: a fallback from `models` when the primary's providers all failed.
  const model = outcome.model || a.ctx.model;
  a.res.json(assembler.build({ ...a.ctx, model, systemFingerprint: outcome.systemFingerprint, provider: outcome.provider, usage: toOpenAIUsage(usage, cost) }));
}

async function streamCompletion(a: { res: Response; call: InferenceCall; ctx: Ctx; includeUsage: boolean; signal: AbortSignal }): Promise<void> {
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
    for await (const ev of a.call.events) {
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
      a.call.finish({ status: RequestStatus.CANCELLED, errorCode: 'cancelled' });
      return;
    }
    a.call.finish({ status: RequestStatus.FAILED, errorCode: gwErr.code });
    if (!sse.hasStarted) throw gwErr;
    endWithError(gwErr);
    return;
  }
  if (a.signal.aborted || !outcome) {
    a.call.finish({ status: RequestStatus.CANCELLED, outcome, errorCode: 'cancelled' });
    return;
  }
  if (outcome.error) {
    a.call.finish({ status: RequestStatus.FAILED, outcome, errorCode: outcome.error.code });
    endWithError(outcomeError(outcome));
    return;
  }
  const { cost, usage } = a.call.finish({ status: RequestStatus.SUCCESS, outcome });
  if (a.includeUsage) sse.data(JSON.stringify({ ...base, choices: [], usage: toOpenAIUsage(usage, cost) }));
  sse.done();
}
