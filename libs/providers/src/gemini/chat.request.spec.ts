import type { ChatCompletionRequest } from '@gatewayz/wire';
import { chatCall, thrown } from '../spec-helpers';
import { geminiTranslator } from './index';
import { buildGeminiBody } from './chat.request';

const call = (request: Partial<ChatCompletionRequest>, stream = false) =>
  chatCall({ provider: 'google', adapter: 'gemini', nativeModel: 'gemini-2.0-flash', request, stream, credentials: { baseUrl: 'https://generativelanguage.googleapis.com', apiKey: 'AIza-test' } });

const weather = {
  type: 'function' as const,
  function: { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
};

describe('Gemini request translation', () => {
  it('posts to models/<id>:generateContent, or :streamGenerateContent?alt=sse, with x-goog-api-key', () => {
    const plain = geminiTranslator.buildRequest(call({}));
    expect(plain.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:generateContent');
    expect(plain.headers).toMatchObject({ 'x-goog-api-key': 'AIza-test', 'content-type': 'application/json' });
    expect(plain.headers).not.toHaveProperty('authorization');
    const streamed = geminiTranslator.buildRequest(call({}, true));
    expect(streamed.url).toBe('https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse');
  });

  it('splits system messages out and maps roles (assistant → model), merging same-role turns', () => {
    const body = buildGeminiBody(
      call({
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'One' },
          { role: 'user', content: [{ type: 'text', text: 'Two' }] },
          { role: 'assistant', content: 'Three' },
        ],
      }),
      'gemini',
    );
    expect(body.systemInstruction).toEqual({ parts: [{ text: 'Be brief.' }] });
    expect(body.contents).toEqual([
      { role: 'user', parts: [{ text: 'One' }, { text: 'Two' }] },
      { role: 'model', parts: [{ text: 'Three' }] },
    ]);
  });

  it('tool calls → functionCall parts; tool results → functionResponse parts named after their call', () => {
    const body = buildGeminiBody(
      call({
        messages: [
          { role: 'user', content: 'Weather in Paris and Tokyo?' },
          {
            role: 'assistant',
            content: null,
            tool_calls: [
              { id: 'call_a', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } },
              { id: 'call_b', type: 'function', function: { name: 'get_time', arguments: '{}' } },
            ],
          },
          { role: 'tool', tool_call_id: 'call_a', content: '{"temp":18}' },
          { role: 'tool', tool_call_id: 'call_b', content: 'noon' },
        ],
      }),
      'gemini',
    );
    expect(body.contents.slice(1)).toEqual([
      { role: 'model', parts: [{ functionCall: { name: 'get_weather', args: { city: 'Paris' } } }, { functionCall: { name: 'get_time', args: {} } }] },
      { role: 'user', parts: [{ functionResponse: { name: 'get_weather', response: { temp: 18 } } }, { functionResponse: { name: 'get_time', response: { result: 'noon' } } }] },
    ]);
  });

  it('rejects a tool result whose call is not in the conversation', () => {
    const err = thrown(() => buildGeminiBody(call({ messages: [{ role: 'tool', tool_call_id: 'nope', content: 'x' }] }), 'gemini'));
    expect(err).toMatchObject({ status: 400, param: 'messages[0].tool_call_id' });
  });

  it('images: data URLs → inlineData; links are refused by AI Studio but passed as fileData to Vertex', () => {
    const image = (url: string): Partial<ChatCompletionRequest> => ({ messages: [{ role: 'user', content: [{ type: 'text', text: 'What is this?' }, { type: 'image_url', image_url: { url } }] }] });
    expect(buildGeminiBody(call(image('data:image/png;base64,iVBORw0KGgo=')), 'gemini').contents[0]!.parts[1]).toEqual({ inlineData: { mimeType: 'image/png', data: 'iVBORw0KGgo=' } });
    expect(thrown(() => buildGeminiBody(call(image('https://example.com/cat.webp')), 'gemini'))).toMatchObject({ status: 400, param: 'messages[0].content[1]' });
    expect(buildGeminiBody(call(image('https://example.com/cat.webp')), 'vertex').contents[0]!.parts[1]).toEqual({ fileData: { mimeType: 'image/webp', fileUri: 'https://example.com/cat.webp' } });
  });

  it('tools → functionDeclarations with converted parameters; a function without arguments has no parameters', () => {
    const body = buildGeminiBody(call({ tools: [weather, { type: 'function', function: { name: 'now', parameters: { type: 'object', properties: {} } } }] }), 'gemini');
    expect(body.tools).toEqual([
      {
        functionDeclarations: [
          { name: 'get_weather', description: 'Weather in a city', parameters: { type: 'OBJECT', properties: { city: { type: 'STRING' } }, required: ['city'] } },
          { name: 'now' },
        ],
      },
    ]);
    expect(body).not.toHaveProperty('toolConfig');
  });

  it.each([
    ['auto', undefined],
    ['none', { functionCallingConfig: { mode: 'NONE' } }],
    ['required', { functionCallingConfig: { mode: 'ANY' } }],
    [{ type: 'function', function: { name: 'get_weather' } }, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['get_weather'] } }],
  ] as const)('tool_choice %p → toolConfig %p', (tool_choice, expected) => {
    expect(buildGeminiBody(call({ tools: [weather], tool_choice }), 'gemini').toolConfig).toEqual(expected);
  });

  it('sampling, limits, n, seed, penalties, stop → generationConfig; dropped parameters leave no trace', () => {
    const body = buildGeminiBody(
      call({ temperature: 0.3, top_p: 0.9, max_completion_tokens: 200, stop: ['END'], n: 2, seed: 7, presence_penalty: 0.5, frequency_penalty: 0.1, logit_bias: { '1': 2 }, user: 'u1', parallel_tool_calls: false }),
      'gemini',
    );
    expect(body.generationConfig).toEqual({ temperature: 0.3, topP: 0.9, maxOutputTokens: 200, stopSequences: ['END'], candidateCount: 2, seed: 7, presencePenalty: 0.5, frequencyPenalty: 0.1 });
    expect(Object.keys(body)).toEqual(['contents', 'generationConfig']);
  });

  it('json_schema → application/json with responseSchema; json_object → application/json alone', () => {
    const schema = { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'], additionalProperties: false };
    const s = buildGeminiBody(call({ response_format: { type: 'json_schema', json_schema: { name: 'a', schema, strict: true } } }), 'gemini');
    expect(s.generationConfig).toEqual({ responseMimeType: 'application/json', responseSchema: { type: 'OBJECT', properties: { answer: { type: 'STRING' } }, required: ['answer'] } });
    const o = buildGeminiBody(call({ response_format: { type: 'json_object' } }), 'gemini');
    expect(o.generationConfig).toEqual({ responseMimeType: 'application/json' });
  });

  it('refuses tools together with a JSON response_format, naming response_format', () => {
    expect(thrown(() => buildGeminiBody(call({ tools: [weather], response_format: { type: 'json_object' } }), 'gemini'))).toMatchObject({ status: 400, param: 'response_format' });
  });

  it('logprobs → responseLogprobs (+ logprobs count); reasoning_effort → thinkingConfig with thoughts included', () => {
    expect(buildGeminiBody(call({ logprobs: true, top_logprobs: 3 }), 'gemini').generationConfig).toEqual({ responseLogprobs: true, logprobs: 3 });
    expect(buildGeminiBody(call({ reasoning_effort: 'low' }), 'gemini').generationConfig).toEqual({ thinkingConfig: { thinkingBudget: 2048, includeThoughts: true } });
  });

  it('audio input → inlineData', () => {
    const body = buildGeminiBody(call({ messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'UklGRg==', format: 'wav' } }] }] }), 'gemini');
    expect(body.contents[0]!.parts).toEqual([{ inlineData: { mimeType: 'audio/wav', data: 'UklGRg==' } }]);
  });
});
