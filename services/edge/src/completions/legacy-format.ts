import { randomBytes } from 'node:crypto';
import type { ChoiceDelta } from '@gatewayz/proto';
import type { ChatCompletionRequest, ChoiceLogprobs, CompletionRequest, LegacyLogprobs, TextCompletionChoice } from '@gatewayz/wire';

const dec = new TextDecoder();

export function legacyCompletionId(): string {
  return `cmpl-${randomBytes(18).toString('base64url')}`;
}

export function promptOf(request: CompletionRequest): string {
  return typeof request.prompt === 'string' ? request.prompt : request.prompt[0];
}

/** OpenAI's documented default for the legacy endpoint. */
export const LEGACY_DEFAULT_MAX_TOKENS = 16;

/** A legacy completion request → the canonical chat request (the prompt as one user message). */
export function toCanonicalRequest(r: CompletionRequest): ChatCompletionRequest {
  const request: ChatCompletionRequest = {
    model: r.model,
    messages: [{ role: 'user', content: promptOf(r) }],
    max_tokens: r.max_tokens ?? LEGACY_DEFAULT_MAX_TOKENS,
  };
  const copy = ['temperature', 'top_p', 'n', 'stop', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'seed', 'user'] as const;
  for (const key of copy) if (r[key] !== undefined && r[key] !== null) Object.assign(request, { [key]: r[key] });
  if (r.logprobs !== undefined && r.logprobs !== null) {
    request.logprobs = true;
    request.top_logprobs = r.logprobs;
  }
  if (r.stream) request.stream = true;
  return request;
}

/** Chat logprobs of one piece of text → the legacy shape, offsets counted from `offset`. */
export function toLegacyLogprobs(lp: ChoiceLogprobs | null, offset: number): LegacyLogprobs | null {
  if (!lp?.content) return null;
  const out: LegacyLogprobs = { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] };
  let at = offset;
  for (const t of lp.content) {
    out.tokens.push(t.token);
    out.token_logprobs.push(t.logprob);
    out.top_logprobs!.push(Object.fromEntries((t.top_logprobs ?? []).map((x) => [x.token, x.logprob])));
    out.text_offset.push(at);
    at += t.token.length;
  }
  return out;
}

export function logprobsOf(c: ChoiceDelta): ChoiceLogprobs | null {
  return c.logprobsJson.length === 0 ? null : (JSON.parse(dec.decode(c.logprobsJson)) as ChoiceLogprobs);
}

/** Per-choice text and logprobs, for the non-streaming answer. */
export class TextAssembler {
  private readonly choices = new Map<number, { text: string; finish: string | null; logprobs: LegacyLogprobs | null }>();

  constructor(
    private readonly echo: string | undefined,
    private readonly wantLogprobs: boolean,
  ) {}

  add(c: ChoiceDelta): void {
    let s = this.choices.get(c.index);
    if (!s) {
      s = { text: this.echo ?? '', finish: null, logprobs: this.wantLogprobs ? { tokens: [], token_logprobs: [], top_logprobs: [], text_offset: [] } : null };
      this.choices.set(c.index, s);
    }
    const piece = legacyLogprobsPiece(c, s.text.length);
    if (piece && s.logprobs) {
      s.logprobs.tokens.push(...piece.tokens);
      s.logprobs.token_logprobs.push(...piece.token_logprobs);
      s.logprobs.top_logprobs!.push(...(piece.top_logprobs ?? []));
      s.logprobs.text_offset.push(...piece.text_offset);
    }
    s.text += (c.content ?? '') + (c.refusal ?? '');
    if (c.finishReason !== undefined) s.finish = c.finishReason;
  }

  build(): TextCompletionChoice[] {
    return [...this.choices.entries()]
      .sort(([a], [b]) => a - b)
      .map(([index, s]) => ({ text: s.text, index, logprobs: s.logprobs, finish_reason: s.finish ?? 'stop' }));
  }
}

function legacyLogprobsPiece(c: ChoiceDelta, offset: number): LegacyLogprobs | null {
  return toLegacyLogprobs(logprobsOf(c), offset);
}

/** One streamed chunk's choices in the legacy shape; `offsets` tracks each choice's text length. */
export function toLegacyChunkChoices(choices: ChoiceDelta[], offsets: Map<number, number>, wantLogprobs: boolean): TextCompletionChoice[] {
  const out: TextCompletionChoice[] = [];
  for (const c of choices) {
    const text = (c.content ?? '') + (c.refusal ?? '');
    if (!text && c.finishReason === undefined) continue;
    const at = offsets.get(c.index) ?? 0;
    offsets.set(c.index, at + text.length);
    out.push({ text, index: c.index, logprobs: wantLogprobs ? legacyLogprobsPiece(c, at) : null, finish_reason: c.finishReason ?? null });
  }
  return out;
}
