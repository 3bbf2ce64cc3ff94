import { FakeUpstream, wordCount, type Behavior, type WireFormat } from './fake-upstream';

type Reply = Extract<Behavior, { kind: 'reply' }>;

/** The text of the last user turn of a generateContent body. */
export function lastGeminiUserText(body: Record<string, unknown>): string {
  const contents = (body.contents ?? []) as { role?: string; parts?: { text?: string }[] }[];
  const last = [...contents].reverse().find((c) => c.role === 'user' && (c.parts ?? []).some((p) => typeof p.text === 'string'));
  return (last?.parts ?? []).map((p) => p.text ?? '').join(' ');
}

function answer(body: Record<string, unknown>, b: Reply): string {
  return b.content ?? `Echo: ${lastGeminiUserText(body)}`;
}

function usageMetadata(body: Record<string, unknown>, b: Reply) {
  const u = b.usage ?? { prompt: Math.max(1, wordCount(lastGeminiUserText(body)) + 8), completion: Math.max(1, wordCount(answer(body, b))) };
  return { promptTokenCount: u.prompt, cachedContentTokenCount: u.cached ?? 0, candidatesTokenCount: u.completion, totalTokenCount: u.prompt + u.completion };
}

function logprobsResult(words: string[], top: number) {
  const c = (token: string, i: number, k = 0) => ({ token: k === 0 ? token : `${token.trim()}_${k}`, tokenId: 1000 + i, logProbability: -0.01 * (i + 1) - k });
  return {
    chosenCandidates: words.map((w, i) => c(w, i)),
    topCandidates: words.map((w, i) => ({ candidates: Array.from({ length: Math.max(1, top) }, (_, k) => c(w, i, k)) })),
  };
}

const config = (body: Record<string, unknown>) => (body.generationConfig ?? {}) as { responseLogprobs?: boolean; logprobs?: number };

function parts(b: Reply, text: string): object[] {
  const out: object[] = [];
  if (b.reasoning) out.push({ text: b.reasoning, thought: true });
  if (b.toolCalls) for (const t of b.toolCalls) out.push({ functionCall: { name: t.name, args: JSON.parse(t.arguments) as object } });
  else out.push({ text });
  return out;
}

const FINISH: Record<string, string> = { stop: 'STOP', length: 'MAX_TOKENS', content_filter: 'SAFETY' };
const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 401: 'UNAUTHENTICATED', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 429: 'RESOURCE_EXHAUSTED', 500: 'INTERNAL', 503: 'UNAVAILABLE' };

/** The Gemini API (generateContent / streamGenerateContent?alt=sse), as its reference documents it; Vertex AI speaks the same. */
export const geminiWireFormat: WireFormat = {
  path: '/v1beta/models/{model}:generateContent',
  isStream: ({ path }) => path.includes(':streamGenerateContent'),
  reply(body, b) {
    const text = answer(body, b);
    const lp = config(body).responseLogprobs && !b.toolCalls ? { logprobsResult: logprobsResult(text.split(/(?<= )/), config(body).logprobs ?? 0) } : {};
    return {
      candidates: [{ content: { role: 'model', parts: parts(b, text) }, finishReason: FINISH[b.finishReason ?? 'stop'] ?? 'STOP', index: 0, ...lp }],
      usageMetadata: usageMetadata(body, b),
      modelVersion: 'gemini-fake',
      responseId: 'fake-response-id',
    };
  },
  streamEvents(body, b) {
    const ev = (candidate: object, extra: object = {}) => `data: ${JSON.stringify({ candidates: [{ index: 0, ...candidate }], modelVersion: 'gemini-fake', responseId: 'fake-response-id', ...extra })}\n\n`;
    const content: string[] = [];
    if (b.reasoning) content.push(ev({ content: { role: 'model', parts: [{ text: b.reasoning, thought: true }] } }));
    if (b.toolCalls) {
      for (const t of b.toolCalls) content.push(ev({ content: { role: 'model', parts: [{ functionCall: { name: t.name, args: JSON.parse(t.arguments) as object } }] } }));
    } else {
      const top = config(body).logprobs ?? 0;
      for (const word of answer(body, b).split(/(?<= )/)) {
        const lp = config(body).responseLogprobs ? { logprobsResult: logprobsResult([word], top) } : {};
        content.push(ev({ content: { role: 'model', parts: [{ text: word }] }, ...lp }));
      }
    }
    const tail = [ev({ content: { role: 'model', parts: [{ text: '' }] }, finishReason: FINISH[b.finishReason ?? 'stop'] ?? 'STOP' }, { usageMetadata: usageMetadata(body, b) })];
    return { content, tail };
  },
  streamError(message) {
    return `data: ${JSON.stringify({ error: { code: 503, message, status: 'UNAVAILABLE' } })}\n\n`;
  },
  errorBody(status, message) {
    // Google states a retry delay in the body (RetryInfo), not in a header.
    const details = status === 429 ? [{ '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay: '0.05s' }] : [];
    return { error: { code: status, message, status: STATUS[status] ?? 'UNKNOWN', details } };
  },
};

export function fakeGemini(): Promise<FakeUpstream> {
  return new FakeUpstream(geminiWireFormat).start();
}
