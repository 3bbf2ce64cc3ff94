import { FakeUpstream, lastUserText, wordCount, type Behavior, type WireFormat } from './fake-upstream';

type Reply = Extract<Behavior, { kind: 'reply' }>;

function answer(body: Record<string, unknown>, b: Reply): string {
  return b.content ?? `Echo: ${lastUserText(body)}`;
}

function usage(body: Record<string, unknown>, b: Reply) {
  const u = b.usage ?? { prompt: Math.max(1, wordCount(lastUserText(body)) + 8), completion: Math.max(1, wordCount(answer(body, b))) };
  return { input_tokens: u.prompt, output_tokens: u.completion, cache_creation_input_tokens: 0, cache_read_input_tokens: u.cached ?? 0 };
}

const sse = (event: string, data: object) => `event: ${event}\ndata: ${JSON.stringify({ type: event, ...data })}\n\n`;

/** Anthropic Messages, as its API reference documents the bodies and the event stream. */
export const anthropicWireFormat: WireFormat = {
  path: '/v1/messages',
  reply(body, b) {
    const content: object[] = [];
    if (b.reasoning) content.push({ type: 'thinking', thinking: b.reasoning, signature: 'sig' });
    if (b.toolCalls) for (const t of b.toolCalls) content.push({ type: 'tool_use', id: t.id, name: t.name, input: JSON.parse(t.arguments) });
    else content.push({ type: 'text', text: answer(body, b) });
    return {
      id: 'msg_fake123',
      type: 'message',
      role: 'assistant',
      model: String(body.model),
      content,
      stop_reason: b.toolCalls ? 'tool_use' : b.finishReason === 'length' ? 'max_tokens' : 'end_turn',
      stop_sequence: null,
      usage: usage(body, b),
    };
  },
  streamEvents(body, b) {
    const u = usage(body, b);
    const content: string[] = [
      sse('message_start', {
        message: { id: 'msg_fake123', type: 'message', role: 'assistant', model: String(body.model), content: [], stop_reason: null, stop_sequence: null, usage: { ...u, output_tokens: 1 } },
      }),
    ];
    let index = 0;
    if (b.toolCalls) {
      for (const t of b.toolCalls) {
        content.push(sse('content_block_start', { index, content_block: { type: 'tool_use', id: t.id, name: t.name, input: {} } }));
        const half = Math.ceil(t.arguments.length / 2);
        for (const part of [t.arguments.slice(0, half), t.arguments.slice(half)]) {
          content.push(sse('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: part } }));
        }
        content.push(sse('content_block_stop', { index }));
        index++;
      }
    } else {
      content.push(sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }));
      content.push(sse('ping', {}));
      for (const word of answer(body, b).split(/(?<= )/)) content.push(sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text: word } }));
    }
    const tail = [
      ...(b.toolCalls ? [] : [sse('content_block_stop', { index: 0 })]),
      sse('message_delta', { delta: { stop_reason: b.toolCalls ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: u.output_tokens } }),
      sse('message_stop', {}),
    ];
    return { content, tail };
  },
  streamError(message) {
    return sse('error', { error: { type: 'overloaded_error', message } });
  },
  errorBody(status, message) {
    const type = status === 429 ? 'rate_limit_error' : status === 401 ? 'authentication_error' : status === 529 ? 'overloaded_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
    return { type: 'error', error: { type, message } };
  },
};

export function fakeAnthropic(): Promise<FakeUpstream> {
  return new FakeUpstream(anthropicWireFormat).start();
}
