import {
  IMAGE_PART_TOKENS,
  MESSAGE_OVERHEAD_CHARS,
  estimateTokensFromChars,
  isFreeChain,
  microsToCredits,
  outputBound,
  pricingGuard,
  type RoutePrice,
} from '@gatewayz/billing-ledger';
import { GatewayError, errors } from '@gatewayz/errors';
import { AuthorizeOutcome, type BillingService, type ResolveResponse } from '@gatewayz/proto';
import type { ServiceClient } from '@gatewayz/rpc';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { AuthContext } from '../auth/api-key-auth';

/** What a request may consume, for the reservation: estimated prompt and the output bound. */
export interface UsageEstimate {
  promptTokens: number;
  maxOutputTokens: number;
  /** Images to generate (per-image prices). */
  images?: number;
  /** Seconds of audio to transcribe (per-second prices). */
  audioSeconds?: number;
  /** Characters to speak (per-million-characters prices). */
  characters?: number;
}

export interface AuthorizeInput {
  requestId: string;
  auth: AuthContext;
  resolved: ResolveResponse;
  estimate: UsageEstimate;
  signal?: AbortSignal;
}

export const CREDITS_HEADER = 'X-Credits-Remaining';

function partChars(part: unknown): number {
  const p = part as { type?: string; text?: string; refusal?: string };
  if (p.type === 'text') return (p.text ?? '').length;
  if (p.type === 'refusal') return (p.refusal ?? '').length;
  return IMAGE_PART_TOKENS * 4; // images, audio, files: a flat allowance
}

/** Prompt tokens of a chat request by the 4-characters-per-token rule (tools and parts included). */
export function estimateChatPromptTokens(request: ChatCompletionRequest): number {
  let chars = 0;
  for (const m of request.messages) {
    const content = (m as { content?: unknown }).content;
    chars += MESSAGE_OVERHEAD_CHARS;
    if (typeof content === 'string') chars += content.length;
    else if (Array.isArray(content)) for (const part of content) chars += partChars(part);
    const calls = (m as { tool_calls?: unknown[] }).tool_calls;
    if (calls) chars += JSON.stringify(calls).length;
  }
  for (const t of request.tools ?? []) chars += JSON.stringify(t).length;
  return estimateTokensFromChars(chars);
}

export function chatEstimate(request: ChatCompletionRequest, resolved: ResolveResponse): UsageEstimate {
  return {
    promptTokens: estimateChatPromptTokens(request),
    maxOutputTokens: outputBound({ requested: request.max_completion_tokens ?? request.max_tokens, modelLimit: resolved.model?.maxOutputTokens ?? 0 }),
  };
}

/**
 * The pre-flight money check of every inference entry point, before any upstream call: the
 * high-value pricing guard, then billing.Authorize (reserves the maximum cost; 402 with
 * balance, required and links when it does not fit; daily caps). Anonymous callers (no user)
 * are only admitted to free models, without a reservation. A request id that already has a
 * reservation is refused with 409, so a retried or duplicated request never reaches the
 * provider twice. Billing unreachable → 503 (fail closed: nothing is served unpaid).
 * Returns the response headers to send (X-Credits-Remaining).
 */
export async function authorizeInference(billing: ServiceClient<typeof BillingService>, input: AuthorizeInput, timeoutMs: number): Promise<Record<string, string>> {
  const model = input.resolved.model?.id ?? '';
  const routes = input.resolved.chain.map((r) => ({ provider: r.provider, price: r.price as RoutePrice | undefined }));
  const guard = pricingGuard({ model, routes });
  if (guard) throw guard;
  if (!input.auth.userId) {
    if (isFreeChain(routes)) return {};
    throw errors.unauthorized(`'${model}' is a paid model: send an API key ("Authorization: Bearer gw_live_..."). Anonymous requests can only use free models.`, 'api_key_required');
  }
  const answer = await billing.authorize(
    {
      requestId: input.requestId,
      userId: input.auth.userId,
      keyId: input.auth.keyId,
      model,
      routes: input.resolved.chain,
      promptTokens: input.estimate.promptTokens,
      maxOutputTokens: input.estimate.maxOutputTokens,
      images: input.estimate.images ?? 0,
      audioSeconds: Math.ceil(input.estimate.audioSeconds ?? 0),
      characters: input.estimate.characters ?? 0,
    },
    { timeoutMs, requestId: input.requestId, signal: input.signal },
  );
  if (answer.outcome === AuthorizeOutcome.DUPLICATE) {
    throw new GatewayError({
      code: 'duplicate_request_id',
      message: `A request with X-Request-ID '${input.requestId.slice(0, 128)}' was already received. Request ids must be unique: send a new one (or none) to make another request.`,
      status: 409,
    });
  }
  return { [CREDITS_HEADER]: microsToCredits(answer.availableMicros > 0n ? answer.availableMicros : 0n) };
}
