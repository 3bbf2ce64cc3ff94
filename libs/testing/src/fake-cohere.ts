import { FakeUpstream, lastUserText, wordCount, type Behavior, type WireFormat } from './fake-upstream';

type Reply = Extract<Behavior, { kind: 'reply' }>;

function answer(body: Record<string, unknown>, b: Reply): string {
  return b.content ?? `Echo: ${lastUserText(body)}`;
}

function usage(body: Record<string, unknown>, b: Reply) {
  const u = b.usage ?? { prompt: Math.max(1, wordCount(lastUserText(body)) + 8), completion: Math.max(1, wordCount(answer(body, b))) };
  return { billed_units: { input_tokens: u.prompt, output_tokens: u.completion }, tokens: { input_tokens: u.prompt + 64, output_tokens: u.completion }, cached_tokens: u.cached ?? 0 };
}

const FINISH: Record<string, string> = { stop: 'COMPLETE', length: 'MAX_TOKENS' };
const finishOf = (b: Reply) => (b.toolCalls ? 'TOOL_CALL' : (FINISH[b.finishReason ?? 'stop'] ?? 'COMPLETE'));
const logprobsOf = (text: string, i: number) => ({ text, token_ids: [100 + i], logprobs: [-0.01 * (i + 1)] });

const sse = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

/** Cohere v2 /chat, as its API reference documents the bodies and the stream events. */
export const cohereWireFormat: WireFormat = {
  path: '/v2/chat',
  reply(body, b) {
    const message: Record<string, unknown> = { role: 'assistant' };
    if (b.reasoning) message.tool_plan = b.reasoning;
    if (b.toolCalls) message.tool_calls = b.toolCalls.map((t) => ({ id: t.id, type: 'function', function: { name: t.name, arguments: t.arguments } }));
    else message.content = [{ type: 'text', text: answer(body, b) }];
    const words = answer(body, b).split(/(?<= )/);
    return {
      id: 'cohere-fake-id',
      finish_reason: finishOf(b),
      message,
      usage: usage(body, b),
      ...(body.logprobs === true && !b.toolCalls ? { logprobs: words.map(logprobsOf) } : {}),
    };
  },
  streamEvents(body, b) {
    const content = [sse('message-start', { id: 'cohere-fake-id', delta: { message: { role: 'assistant', content: [], tool_plan: '', tool_calls: [], citations: [] } } })];
    if (b.reasoning) content.push(sse('tool-plan-delta', { delta: { message: { tool_plan: b.reasoning } } }));
    if (b.toolCalls) {
      b.toolCalls.forEach((t, index) => {
        content.push(sse('tool-call-start', { index, delta: { message: { tool_calls: { id: t.id, type: 'function', function: { name: t.name, arguments: '' } } } } }));
        const half = Math.ceil(t.arguments.length / 2);
        for (const part of [t.arguments.slice(0, half), t.arguments.slice(half)]) content.push(sse('tool-call-delta', { index, delta: { message: { tool_calls: { function: { arguments: part } } } } }));
        content.push(sse('tool-call-end', { index }));
      });
    } else {
      content.push(sse('content-start', { index: 0, delta: { message: { content: { type: 'text', text: '' } } } }));
      answer(body, b)
        .split(/(?<= )/)
        .forEach((word, i) => content.push(sse('content-delta', { index: 0, delta: { message: { content: { text: word } } }, ...(body.logprobs === true ? { logprobs: logprobsOf(word, i) } : {}) })));
    }
    const tail = [...(b.toolCalls ? [] : [sse('content-end', { index: 0 })]), sse('message-end', { delta: { finish_reason: finishOf(b), usage: usage(body, b) } })];
    return { content, tail };
  },
  streamError(message) {
    return sse('message-end', { delta: { finish_reason: 'ERROR', error: message } });
  },
  errorBody(_status, message) {
    return { id: 'cohere-error-id', message };
  },
};

export function fakeCohere(): Promise<FakeUpstream> {
  return new FakeUpstream(cohereWireFormat).start();
}
