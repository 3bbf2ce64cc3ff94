import { Router, type Request, type Response } from 'express';
import { toAnthropicError, type GatewayError } from '@gatewayz/errors';
import type { ChatChunk } from '@gatewayz/proto';
import { anthropicCountTokensRequestSchema, anthropicMessagesRequestSchema, validationError } from '@gatewayz/wire';
import type { ApiKeyAuthenticator, AuthContext } from '../auth/api-key-auth';
import { requireApiKey } from '../auth/authenticate.middleware';
import { SseWriter } from '../chat/sse-writer';
import { collect, pump } from '../inference/drain';
import type { InferenceCall, InferenceService } from '../inference/inference.service';
import { modelQuery } from '../routing/resolve-query';
import { jsonBody } from '../http/json-body';
import { BlockSequencer, MessageAssembler, messageId, stopReason, toAnthropicUsage, type BlockDelta } from './anthropic-format';
import { toCanonicalCountRequest, toCanonicalRequest } from './anthropic-request';
import type { PromptTokenCounter } from './token-counter';

const dec = new TextDecoder();
/** Anthropic sends `ping` while a response is quiet; so do we, so idle proxies keep the stream. */
const PING_INTERVAL_MS = 10_000;
const KNOWN_EVENTS = new Set(['message_start', 'message_delta', 'message_stop', 'content_block_start', 'content_block_delta', 'content_block_stop', 'ping', 'error']);

export interface MessagesDeps {
  authenticator: ApiKeyAuthenticator;
  inference: InferenceService;
  tokenCounter: PromptTokenCounter;
  body: { limit: number; maxDepth: number };
}

/**
 * The Anthropic Messages API: POST /v1/messages (JSON or the Anthropic event stream) and
 * POST /v1/messages/count_tokens, for any model. Errors on these paths use Anthropic's shape
 * (http/errors.ts picks it by path); every answer carries `request-id` (http/request-basics.ts). The key may come as
 * x-api-key or Authorization: Bearer; anthropic-version / anthropic-beta are accepted and need
 * nothing from us.
 */
export function messagesRouter(deps: MessagesDeps): Router {
  const router = Router();
  const auth = requireApiKey(deps.authenticator);
  const body = jsonBody(deps.body);
  router.post('/v1/messages', auth, body, (req, res) => createMessage(deps.inference, req, res));
  router.post('/v1/messages/count_tokens', auth, body, (req, res) => countTokens(deps, req, res));
  return router;
}

async function countTokens(deps: MessagesDeps, req: Request, res: Response): Promise<void> {
  const parsed = anthropicCountTokensRequestSchema.safeParse(req.body);
  if (!parsed.success) throw validationError(parsed.error);
  const request = toCanonicalCountRequest(parsed.data);
  const { resolved } = await deps.inference.resolveFor({ requestId: req.id, auth: req.auth as AuthContext, query: modelQuery(request.model), endpoint: 'chat' });
  const count = deps.tokenCounter.count({ request, model: resolved.model!.id, nativeModel: resolved.chain[0]?.nativeModel ?? '' });
  res.setHeader('x-gatewayz-token-counter', count.method);
  res.json({ input_tokens: count.tokens });
}

async function createMessage(inference: InferenceService, req: Request, res: Response): Promise<void> {
  const parsed = anthropicMessagesRequestSchema.safeParse(req.body);
  if (!parsed.success) throw validationError(parsed.error);
  const request = toCanonicalRequest(parsed.data);
  const stream = parsed.data.stream === true;
  const controller = new AbortController();
  res.on('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const call = await inference.start({
    requestId: req.id,
    auth: req.auth as AuthContext,
    request,
    body: Buffer.from(JSON.stringify(request)),
    stream,
    signal: controller.signal,
  });
  for (const [name, value] of Object.entries(call.responseHeaders)) res.setHeader(name, value);
  if (stream) await streamMessage({ res, call, signal: controller.signal });
  else await completeMessage({ res, call });
}

async function completeMessage(a: { res: Response; call: InferenceCall }): Promise<void> {
  const assembler = new MessageAssembler();
  const { cost, usage } = await collect(a.call, (chunk) => {
    for (const c of chunk.choices) assembler.sequencer.push(c);
  });
  a.res.json(assembler.build({ id: messageId(), model: a.call.model, usage: toAnthropicUsage(usage, cost) }));
}

/** An upstream event no translator recognized: forwarded as is, under its own (unknown) name. */
function passthroughName(json: string): string {
  try {
    const type = (JSON.parse(json) as { type?: unknown }).type;
    return typeof type === 'string' && /^[a-z0-9_.-]{1,64}$/.test(type) && !KNOWN_EVENTS.has(type) ? type : 'passthrough';
  } catch {
    return 'passthrough';
  }
}

async function streamMessage(a: { res: Response; call: InferenceCall; signal: AbortSignal }): Promise<void> {
  const sse = new SseWriter(a.res);
  const emit = (type: string, data: object) => sse.event(type, JSON.stringify({ type, ...data }));
  const blocks = new BlockSequencer({
    start: (index, block) => emit('content_block_start', { index, content_block: block }),
    delta: (index, delta: BlockDelta) => emit('content_block_delta', { index, delta }),
    stop: (index) => emit('content_block_stop', { index }),
  });
  const id = messageId();
  const ping = setInterval(() => {
    if (sse.hasStarted) emit('ping', {});
  }, PING_INTERVAL_MS);
  ping.unref();
  const onChunk = (chunk: ChatChunk): boolean => {
    if (!sse.hasStarted) {
      // Usage is known at the end: message_delta restates every count (the SDKs take them from there).
      emit('message_start', {
        message: { id, type: 'message', role: 'assistant', model: a.call.model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: 0, output_tokens: 0 } },
      });
      emit('ping', {});
    }
    if (chunk.passthroughJson.length > 0) {
      const json = dec.decode(chunk.passthroughJson);
      return sse.event(passthroughName(json), json);
    }
    for (const c of chunk.choices) blocks.push(c);
    return !a.res.destroyed;
  };
  const endWithError = (err: GatewayError) => {
    // After the first byte: no clean-looking end. The SDKs raise an `error` event.
    emit('error', { error: toAnthropicError(err).error });
    sse.end();
  };
  try {
    const end = await pump({ call: a.call, signal: a.signal, started: () => sse.hasStarted, onChunk });
    if (end.kind === 'cancelled') return;
    if (end.kind === 'failed') return endWithError(end.error);
    blocks.close();
    emit('message_delta', { delta: { stop_reason: stopReason(blocks.finishReason), stop_sequence: null }, usage: toAnthropicUsage(end.usage, end.cost) });
    emit('message_stop', {});
    sse.end();
  } finally {
    clearInterval(ping);
  }
}
