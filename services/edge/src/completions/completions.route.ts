import type { Request, Response } from 'express';
import { toOpenAIError, type GatewayError } from '@gatewayz/errors';
import { completionRequestSchema, validationError, type CompletionRequest, type TextCompletionChoice } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';
import { toOpenAIUsage } from '../chat/openai-format';
import { SseWriter } from '../chat/sse-writer';
import { collect, pump } from '../inference/drain';
import type { InferenceCall, InferenceService } from '../inference/inference.service';
import { TextAssembler, legacyCompletionId, promptOf, toCanonicalRequest, toLegacyChunkChoices } from './legacy-format';

interface Ctx {
  id: string;
  created: number;
  model: string;
}

/**
 * POST /v1/completions (legacy text completions) on chat models: the prompt is sent as one
 * user message; the answer comes back as `text_completion` (JSON, or SSE ending in [DONE]),
 * with `echo` and legacy `logprobs` honoured.
 */
export function completionsHandler(inference: InferenceService) {
  return async (req: Request, res: Response): Promise<void> => {
    const parsed = completionRequestSchema.safeParse(req.body);
    if (!parsed.success) throw validationError(parsed.error);
    const legacy = parsed.data;
    const request = toCanonicalRequest(legacy);
    const stream = legacy.stream === true;
    const controller = new AbortController();
    res.on('close', () => {
      if (!res.writableFinished) controller.abort();
    });
    const call = await inference.start({ requestId: req.id, auth: req.auth as AuthContext, request, body: Buffer.from(JSON.stringify(request)), stream, signal: controller.signal });
    for (const [name, value] of Object.entries(call.responseHeaders)) res.setHeader(name, value);
    const ctx: Ctx = { id: legacyCompletionId(), created: Math.floor(Date.now() / 1000), model: call.model };
    if (stream) await streamCompletion({ res, call, ctx, legacy, signal: controller.signal });
    else await completeCompletion({ res, call, ctx, legacy });
  };
}

async function completeCompletion(a: { res: Response; call: InferenceCall; ctx: Ctx; legacy: CompletionRequest }): Promise<void> {
  const text = new TextAssembler(a.legacy.echo ? promptOf(a.legacy) : undefined, a.legacy.logprobs !== undefined && a.legacy.logprobs !== null);
  const { outcome, cost, usage } = await collect(a.call, (chunk) => {
    for (const c of chunk.choices) text.add(c);
  });
  a.res.json({
    id: a.ctx.id,
    object: 'text_completion',
    created: a.ctx.created,
    model: a.ctx.model,
    system_fingerprint: outcome.systemFingerprint || null,
    choices: text.build(),
    usage: toOpenAIUsage(usage, cost),
    provider: outcome.provider,
  });
}

async function streamCompletion(a: { res: Response; call: InferenceCall; ctx: Ctx; legacy: CompletionRequest; signal: AbortSignal }): Promise<void> {
  const sse = new SseWriter(a.res);
  const base = { id: a.ctx.id, object: 'text_completion' as const, created: a.ctx.created, model: a.ctx.model };
  const wantLogprobs = a.legacy.logprobs !== undefined && a.legacy.logprobs !== null;
  const offsets = new Map<number, number>();
  const send = (choices: TextCompletionChoice[]) => sse.data(JSON.stringify({ ...base, choices }));
  const echoed = new Set<number>();
  const echo = a.legacy.echo ? promptOf(a.legacy) : undefined;
  const endWithError = (err: GatewayError) => {
    sse.data(JSON.stringify({ ...base, choices: [{ text: '', index: 0, logprobs: null, finish_reason: 'error' }], error: toOpenAIError(err).error }));
    sse.done();
  };
  const end = await pump({
    call: a.call,
    signal: a.signal,
    started: () => sse.hasStarted,
    onChunk: (chunk) => {
      if (echo !== undefined) {
        const fresh = chunk.choices.filter((c) => !echoed.has(c.index));
        for (const c of fresh) {
          echoed.add(c.index);
          offsets.set(c.index, echo.length);
        }
        if (fresh.length > 0 && !send(fresh.map((c) => ({ text: echo, index: c.index, logprobs: null, finish_reason: null })))) return false;
      }
      const choices = toLegacyChunkChoices(chunk.choices, offsets, wantLogprobs);
      return choices.length === 0 ? !a.res.destroyed : send(choices);
    },
  });
  if (end.kind === 'cancelled') return;
  if (end.kind === 'failed') return endWithError(end.error);
  if (a.legacy.stream_options?.include_usage) sse.data(JSON.stringify({ ...base, choices: [], usage: toOpenAIUsage(end.usage, end.cost) }));
  sse.done();
}
