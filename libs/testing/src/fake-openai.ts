import { FakeUpstream, lastUserText, wordCount, type Behavior, type WireFormat } from './fake-upstream';

type Reply = Extract<Behavior, { kind: 'reply' }>;

function answer(body: Record<string, unknown>, b: Reply): string {
  return b.content ?? `Echo: ${lastUserText(body)}`;
}

function usage(body: Record<string, unknown>, b: Reply) {
  const text = answer(body, b);
  const u = b.usage ?? { prompt: Math.max(1, wordCount(lastUserText(body)) + 8), completion: Math.max(1, wordCount(text)) };
  return {
    prompt_tokens: u.prompt,
    completion_tokens: u.completion,
    total_tokens: u.prompt + u.completion,
    prompt_tokens_details: { cached_tokens: u.cached ?? 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

/** Deterministic logprobs for each word (when the request asks for them), as OpenAI shapes them. */
export function fakeLogprobs(words: string[], topCount: number) {
  const entry = (token: string, logprob: number) => ({ token, logprob, bytes: [...Buffer.from(token, 'utf8')] });
  return {
    content: words.map((w, i) => ({
      ...entry(w, -0.01 * (i + 1)),
      top_logprobs: Array.from({ length: topCount }, (_, k) => entry(k === 0 ? w : `${w.trim()}_${k}`, -0.01 * (i + 1) - k)),
    })),
    refusal: null,
  };
}

const wantsLogprobs = (body: Record<string, unknown>) => body.logprobs === true;
const topOf = (body: Record<string, unknown>) => (typeof body.top_logprobs === 'number' ? body.top_logprobs : 0);

/** OpenAI chat completions, as its API reference documents the bodies and the stream. */
export const openAIWireFormat: WireFormat = {
  path: '/chat/completions',
  reply(body, b) {
    const message: Record<string, unknown> = { role: 'assistant', content: b.toolCalls ? null : answer(body, b), refusal: null };
    if (b.toolCalls) message.tool_calls = b.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
    if (b.reasoning) message.reasoning_content = b.reasoning;
    return {
      id: 'chatcmpl-fake123',
      object: 'chat.completion',
      created: 1_700_000_000,
      model: String(body.model),
      system_fingerprint: 'fp_fake',
      choices: [
        {
          index: 0,
          message,
          logprobs: wantsLogprobs(body) && !b.toolCalls ? fakeLogprobs(answer(body, b).split(/(?<= )/), topOf(body)) : null,
          finish_reason: b.finishReason ?? (b.toolCalls ? 'tool_calls' : 'stop'),
        },
      ],
      ...(b.omitUsage ? {} : { usage: usage(body, b) }),
      service_tier: 'default',
    };
  },
  streamEvents(body, b) {
    const base = { id: 'chatcmpl-fake123', object: 'chat.completion.chunk', created: 1_700_000_000, model: String(body.model), system_fingerprint: 'fp_fake' };
    const ev = (choices: unknown[], extra: object = {}) => `data: ${JSON.stringify({ ...base, choices, ...extra })}\n\n`;
    const content: string[] = [ev([{ index: 0, delta: { role: 'assistant', content: '', refusal: null }, logprobs: null, finish_reason: null }])];
    if (b.reasoning) content.push(ev([{ index: 0, delta: { reasoning_content: b.reasoning }, logprobs: null, finish_reason: null }]));
    if (b.toolCalls) {
      b.toolCalls.forEach((t, index) => {
        content.push(ev([{ index: 0, delta: { tool_calls: [{ index, id: t.id, type: 'function', function: { name: t.name, arguments: '' } }] }, logprobs: null, finish_reason: null }]));
        const half = Math.ceil(t.arguments.length / 2);
        for (const part of [t.arguments.slice(0, half), t.arguments.slice(half)]) {
          content.push(ev([{ index: 0, delta: { tool_calls: [{ index, function: { arguments: part } }] }, logprobs: null, finish_reason: null }]));
        }
      });
    } else {
      for (const word of answer(body, b).split(/(?<= )/)) {
        const logprobs = wantsLogprobs(body) ? fakeLogprobs([word], topOf(body)) : null;
        content.push(ev([{ index: 0, delta: { content: word }, logprobs, finish_reason: null }]));
      }
    }
    const wantsUsage = (body.stream_options as { include_usage?: boolean } | undefined)?.include_usage === true;
    const tail = [ev([{ index: 0, delta: {}, logprobs: null, finish_reason: b.finishReason ?? (b.toolCalls ? 'tool_calls' : 'stop') }])];
    if (wantsUsage && !b.omitUsage) tail.push(ev([], { usage: usage(body, b) }));
    tail.push('data: [DONE]\n\n');
    return { content, tail };
  },
  streamError(message) {
    return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
  },
  errorBody(status, message, param) {
    const type = status === 429 ? 'rate_limit_exceeded' : status === 401 ? 'invalid_request_error' : status >= 500 ? 'server_error' : 'invalid_request_error';
    return { error: { message, type, param: param ?? null, code: status === 401 ? 'invalid_api_key' : null } };
  },
};

export function fakeOpenAI(): Promise<FakeUpstream> {
  return new FakeUpstream(openAIWireFormat).start();
}
