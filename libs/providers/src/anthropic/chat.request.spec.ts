import { ProviderError } from '@gatewayz/errors';
import type { ChatCompletionRequest, ChatMessage } from '@gatewayz/wire';
import type { ChatCall } from '../contract';
import { buildMessagesRequest, toAnthropicMessages } from './chat.request';

interface CallOptions {
  stream?: boolean;
  apiKey?: string;
  baseUrl?: string;
}

function call(extra: Partial<ChatCompletionRequest> = {}, opts: CallOptions = {}): ChatCall {
  const baseUrl = opts.baseUrl ?? 'https://api.anthropic.com';
  return {
    target: { provider: 'anthropic', adapter: 'anthropic', nativeModel: 'claude-sonnet-4-20250514', baseUrl },
    credentials: { apiKey: 'apiKey' in opts ? opts.apiKey : 'sk-ant-test', baseUrl },
    request: { model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: 'Hi' }], ...extra },
    stream: opts.stream ?? false,
    requestId: 'req-1',
    signal: new AbortController().signal,
    maxOutputTokens: 64000,
  };
}

const bodyOf = (extra: Partial<ChatCompletionRequest>, opts?: CallOptions) => buildMessagesRequest(call(extra, opts)).body;

function rejection(extra: Partial<ChatCompletionRequest>): ProviderError {
  try {
    buildMessagesRequest(call(extra));
  } catch (err) {
    expect(err).toBeInstanceOf(ProviderError);
    return err as ProviderError;
  }
  throw new Error('expected a ProviderError');
}

const weatherTool = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('buildMessagesRequest (Anthropic)', () => {
  it('uses the native model and defaults max_tokens to the model limit', () => {
    const body = bodyOf({});
    expect(body).toEqual({ model: 'claude-sonnet-4-20250514', max_tokens: 64000, messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }] });
  });

  it('takes max_tokens from max_completion_tokens, then max_tokens', () => {
    expect(bodyOf({ max_tokens: 100 }).max_tokens).toBe(100);
    expect(bodyOf({ max_tokens: 100, max_completion_tokens: 200 }).max_tokens).toBe(200);
  });

  it('posts to /v1/messages with x-api-key and anthropic-version', () => {
    const built = buildMessagesRequest(call({}, { apiKey: 'sk-ant-xyz' }));
    expect(built.url).toBe('https://api.anthropic.com/v1/messages');
    expect(built.headers).toMatchObject({ 'x-api-key': 'sk-ant-xyz', 'anthropic-version': '2023-06-01', 'content-type': 'application/json' });
    expect(built.headers).not.toHaveProperty('authorization');
    expect(buildMessagesRequest(call({}, { baseUrl: 'https://proxy.test/v1/' })).url).toBe('https://proxy.test/v1/messages');
    expect(buildMessagesRequest(call({}, { apiKey: undefined })).headers).not.toHaveProperty('x-api-key');
  });

  it('sets stream and the SSE accept header only when streaming', () => {
    const streamed = buildMessagesRequest(call({}, { stream: true }));
    expect(streamed.body.stream).toBe(true);
    expect(streamed.headers.accept).toBe('text/event-stream');
    const plain = buildMessagesRequest(call({ stream: true }));
    expect(plain.body).not.toHaveProperty('stream');
    expect(plain.headers.accept).toBe('application/json');
  });

  it('passes temperature, top_p, user and drops parameters Anthropic lacks', () => {
    const body = bodyOf({ temperature: 0, top_p: 0.9, user: 'user-42', seed: 1, presence_penalty: 0.5, frequency_penalty: 0.5, logit_bias: { '1': 2 }, store: true });
    expect(body).toEqual(expect.objectContaining({ temperature: 0, top_p: 0.9, metadata: { user_id: 'user-42' } }));
    for (const key of ['seed', 'presence_penalty', 'frequency_penalty', 'logit_bias', 'store', 'model_alias']) expect(body).not.toHaveProperty(key);
  });

  it.each([
    ['END', ['END']],
    [['###', 'STOP'], ['###', 'STOP']],
  ])('turns stop %p into stop_sequences', (stop, expected) => {
    expect(bodyOf({ stop }).stop_sequences).toEqual(expected);
  });

  describe('messages', () => {
    it('moves system and developer messages into system, joined by blank lines', () => {
      const { system, messages } = toAnthropicMessages(
        [
          { role: 'system', content: 'You are terse.' },
          { role: 'developer', content: [{ type: 'text', text: 'Answer in French.' }, { type: 'text', text: 'No emoji.' }] },
          { role: 'user', content: 'Hello' },
        ],
        'anthropic',
      );
      expect(system).toBe('You are terse.\n\nAnswer in French.\nNo emoji.');
      expect(messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'Hello' }] }]);
      expect(bodyOf({ messages: [{ role: 'user', content: 'x' }] })).not.toHaveProperty('system');
    });

    it('merges consecutive same-role turns', () => {
      const { messages } = toAnthropicMessages(
        [
          { role: 'user', content: 'one' },
          { role: 'user', content: 'two' },
          { role: 'assistant', content: 'three' },
          { role: 'assistant', content: [{ type: 'text', text: 'four' }] },
        ],
        'anthropic',
      );
      expect(messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'one' }, { type: 'text', text: 'two' }] },
        { role: 'assistant', content: [{ type: 'text', text: 'three' }, { type: 'text', text: 'four' }] },
      ]);
    });

    it('turns assistant tool_calls into tool_use blocks and tool results into user tool_result blocks', () => {
      const history: ChatMessage[] = [
        { role: 'user', content: 'Weather in Paris and Rome?' },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
            { id: 'call_2', type: 'function', function: { name: 'get_weather', arguments: '' } },
          ],
        },
        { role: 'tool', tool_call_id: 'call_1', content: '18C' },
        { role: 'tool', tool_call_id: 'call_2', content: [{ type: 'text', text: '21C' }] },
        { role: 'user', content: 'Thanks' },
      ];
      const { messages } = toAnthropicMessages(history, 'anthropic');
      expect(messages).toEqual([
        { role: 'user', content: [{ type: 'text', text: 'Weather in Paris and Rome?' }] },
        {
          role: 'assistant',
          content: [
            { type: 'tool_use', id: 'call_1', name: 'get_weather', input: { city: 'Paris' } },
            { type: 'tool_use', id: 'call_2', name: 'get_weather', input: {} },
          ],
        },
        {
          role: 'user',
          content: [
            { type: 'tool_result', tool_use_id: 'call_1', content: '18C' },
            { type: 'tool_result', tool_use_id: 'call_2', content: '21C' },
            { type: 'text', text: 'Thanks' },
          ],
        },
      ]);
    });

    it('never sends unparsable tool arguments as a string', () => {
      const { messages } = toAnthropicMessages(
        [{ role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{not json' } }] }],
        'anthropic',
      );
      expect(messages[0]!.content).toEqual([{ type: 'tool_use', id: 'c', name: 'f', input: {} }]);
    });

    it('converts data: URLs to base64 image sources and https URLs to url sources', () => {
      const { messages } = toAnthropicMessages(
        [
          {
            role: 'user',
            content: [
              { type: 'text', text: 'Compare these' },
              { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
              { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg', detail: 'high' } },
            ],
          },
        ],
        'anthropic',
      );
      expect(messages[0]!.content).toEqual([
        { type: 'text', text: 'Compare these' },
        { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
        { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
      ]);
    });

    it('rejects content parts Anthropic cannot take, naming the part', () => {
      const err = rejection({ messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }, { type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }] });
      expect(err).toMatchObject({ status: 400, param: 'messages.content[1]', code: 'unsupported_parameter' });
    });

    it('rejects a request with only system messages', () => {
      expect(rejection({ messages: [{ role: 'system', content: 'alone' }] })).toMatchObject({ status: 400, param: 'messages' });
    });
  });

  describe('tools', () => {
    it('maps function tools to input_schema tools', () => {
      const body = bodyOf({ tools: [weatherTool, { type: 'function', function: { name: 'now' } }] });
      expect(body.tools).toEqual([
        { name: 'get_weather', description: 'Weather for a city', input_schema: weatherTool.function.parameters },
        { name: 'now', input_schema: { type: 'object', properties: {} } },
      ]);
      expect(body).not.toHaveProperty('tool_choice');
    });

    it.each([
      ['auto', { type: 'auto' }],
      ['required', { type: 'any' }],
      [{ type: 'function', function: { name: 'get_weather' } }, { type: 'tool', name: 'get_weather' }],
    ] as const)('maps tool_choice %p', (tool_choice, expected) => {
      expect(bodyOf({ tools: [weatherTool], tool_choice }).tool_choice).toEqual(expected);
    });

    it("tool_choice 'none' keeps the tools (Anthropic needs them for tool history) and sends {type:'none'}", () => {
      const body = bodyOf({ tools: [weatherTool], tool_choice: 'none' });
      expect(body.tools?.map((t) => t.name)).toEqual(['get_weather']);
      expect(body.tool_choice).toEqual({ type: 'none' });
    });

    it('refuses a forced tool call while reasoning, naming tool_choice', () => {
      expect(() => bodyOf({ tools: [weatherTool], tool_choice: 'required', reasoning_effort: 'medium' })).toThrow(
        expect.objectContaining({ status: 400, param: 'tool_choice' }),
      );
    });

    it('parallel_tool_calls:false becomes disable_parallel_tool_use', () => {
      expect(bodyOf({ tools: [weatherTool], parallel_tool_calls: false }).tool_choice).toEqual({ type: 'auto', disable_parallel_tool_use: true });
      expect(bodyOf({ tools: [weatherTool], tool_choice: 'required', parallel_tool_calls: false }).tool_choice).toEqual({ type: 'any', disable_parallel_tool_use: true });
      expect(bodyOf({ tools: [weatherTool], parallel_tool_calls: true })).not.toHaveProperty('tool_choice');
    });
  });

  describe('rejections', () => {
    it.each([
      ['n', { n: 2 }],
      ['logprobs', { logprobs: true }],
      ['temperature', { temperature: 1.5 }],
    ] as const)('rejects %s with status 400 and the param', (param, extra) => {
      expect(rejection(extra)).toMatchObject({ status: 400, param, provider: 'anthropic', upstreamStatus: 0 });
    });

    it('accepts the boundary values', () => {
      expect(() => buildMessagesRequest(call({ n: 1, logprobs: false, temperature: 1, response_format: { type: 'text' } }))).not.toThrow();
    });
  });

  describe('reasoning_effort', () => {
    it('enables thinking with the effort budget and drops temperature and top_p', () => {
      const body = bodyOf({ reasoning_effort: 'medium', temperature: 0.2, top_p: 0.5 });
      expect(body.thinking).toEqual({ type: 'enabled', budget_tokens: 8192 });
      expect(body).not.toHaveProperty('temperature');
      expect(body).not.toHaveProperty('top_p');
    });

    it('keeps the budget below max_tokens', () => {
      expect(bodyOf({ reasoning_effort: 'high', max_tokens: 4096 }).thinking).toEqual({ type: 'enabled', budget_tokens: 4095 });
      expect(bodyOf({ reasoning_effort: 'minimal', max_tokens: 2000 }).thinking).toEqual({ type: 'enabled', budget_tokens: 1024 });
    });

    it('leaves thinking off when max_tokens cannot fit the minimum budget', () => {
      const body = bodyOf({ reasoning_effort: 'low', max_tokens: 1024, temperature: 0.3 });
      expect(body).not.toHaveProperty('thinking');
      expect(body.temperature).toBe(0.3);
    });
  });
});
