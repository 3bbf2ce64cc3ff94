/**
 * OpenAI's chat logprobs (`choice.logprobs`): `{content: [{token, logprob, bytes, top_logprobs}],
 * refusal}`, arrays as the spec says. Families that report logprobs another way convert to it
 * with these helpers; the JSON travels in ChoiceDelta.logprobs_json.
 */
export interface TopLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
}

export interface TokenLogprob extends TopLogprob {
  top_logprobs: TopLogprob[];
}

const enc = new TextEncoder();

export function top(token: string, logprob: number): TopLogprob {
  return { token, logprob, bytes: Array.from(enc.encode(token)) };
}

export function tokenLogprob(token: string, logprob: number, alternatives: TopLogprob[] = []): TokenLogprob {
  return { ...top(token, logprob), top_logprobs: alternatives };
}

export function encodeLogprobs(content: TokenLogprob[]): Uint8Array {
  return enc.encode(JSON.stringify({ content, refusal: null }));
}

const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/**
 * The legacy completions shape some OpenAI-compatible hosts still return for chat (Together,
 * Fireworks): parallel arrays `tokens`, `token_logprobs` and `top_logprobs` (one `{token:
 * logprob}` map per position). Undefined when `lp` is not that shape.
 */
export function fromCompletionsStyle(lp: unknown): TokenLogprob[] | undefined {
  const o = lp as { tokens?: unknown; token_logprobs?: unknown; top_logprobs?: unknown } | null;
  if (!o || typeof o !== 'object' || !Array.isArray(o.tokens) || !Array.isArray(o.token_logprobs)) return undefined;
  const logprobs = o.token_logprobs as unknown[];
  const tops = Array.isArray(o.top_logprobs) ? (o.top_logprobs as unknown[]) : [];
  return (o.tokens as unknown[]).map((t, i) => {
    const alternatives = tops[i] && typeof tops[i] === 'object' ? Object.entries(tops[i] as Record<string, unknown>) : [];
    return tokenLogprob(
      String(t),
      num(logprobs[i]) ?? 0,
      alternatives.filter(([, v]) => num(v) !== undefined).map(([tok, v]) => top(tok, v as number)),
    );
  });
}
