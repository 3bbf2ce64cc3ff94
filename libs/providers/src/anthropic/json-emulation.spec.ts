import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { ChatCall, NormalizedChunk } from '../contract';
import { SseParser } from '../sse/sse-parser';
import { buildMessagesRequest } from './chat.request';
import { parseMessagesResponse } from './chat.response';
import { AnthropicStreamTranslator } from './chat.stream';

const fixture = (name: string) => readFileSync(join(__dirname, '__fixtures__', name), 'utf8');

const PERSON = {
  type: 'json_schema' as const,
  json_schema: {
    name: 'person',
    strict: true,
    schema: { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'], additionalProperties: false },
  },
};

const weather = { type: 'function' as const, function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } };

function call(extra: Partial<ChatCompletionRequest>): ChatCall {
  return {
    target: { provider: 'anthropic', adapter: 'anthropic', nativeModel: 'claude-sonnet-4-20250514', baseUrl: 'https://api.anthropic.com' },
    credentials: { apiKey: 'k', baseUrl: 'https://api.anthropic.com' },
    request: { model: 'anthropic/claude-sonnet-4', messages: [{ role: 'user', content: 'Who wrote the first program?' }], ...extra },
    stream: false,
    requestId: 'r',
    signal: new AbortController().signal,
    maxOutputTokens: 64000,
  };
}

function streamed(text: string, t: AnthropicStreamTranslator): NormalizedChunk[] {
  const p = new SseParser();
  return [...p.push(new TextEncoder().encode(text)), ...p.end()].flatMap((e) => t.push(e));
}

describe('Anthropic: response_format emulated with a forced tool', () => {
  it('json_schema becomes a tool with the schema as input_schema, forced by name', () => {
    const built = buildMessagesRequest(call({ response_format: PERSON }));
    expect(built.body.tools).toEqual([{ name: 'person', description: expect.any(String), input_schema: PERSON.json_schema.schema }]);
    expect(built.body.tool_choice).toEqual({ type: 'tool', name: 'person' });
    expect(built.context).toEqual({ jsonTool: 'person' });
  });

  it('json_object forces a json_response tool taking any object', () => {
    const built = buildMessagesRequest(call({ response_format: { type: 'json_object' } }));
    expect(built.body.tools).toEqual([{ name: 'json_response', description: expect.any(String), input_schema: { type: 'object' } }]);
    expect(built.body.tool_choice).toEqual({ type: 'tool', name: 'json_response' });
  });

  it("with the user's tools and tool_choice auto: any tool must be called, so a plain answer arrives as JSON", () => {
    const built = buildMessagesRequest(call({ response_format: PERSON, tools: [weather] }));
    expect(built.body.tools!.map((t) => t.name)).toEqual(['get_weather', 'person']);
    expect(built.body.tool_choice).toEqual({ type: 'any' });
  });

  it('a forced user tool needs no emulation', () => {
    const built = buildMessagesRequest(call({ response_format: PERSON, tools: [weather], tool_choice: 'required' }));
    expect(built.body.tools!.map((t) => t.name)).toEqual(['get_weather']);
    expect(built.context).toEqual({});
  });

  it.each([
    ['a clash with a tool name', { response_format: { ...PERSON, json_schema: { ...PERSON.json_schema, name: 'get_weather' } }, tools: [weather] }],
    ['a non-object root', { response_format: { type: 'json_schema' as const, json_schema: { name: 'list', schema: { type: 'array' } } } }],
    ['reasoning_effort', { response_format: PERSON, reasoning_effort: 'low' as const }],
  ])('rejects %s naming response_format', (_what, extra) => {
    expect(() => buildMessagesRequest(call(extra as Partial<ChatCompletionRequest>))).toThrow(expect.objectContaining({ status: 400, param: 'response_format' }));
  });

  it('the forced tool call comes back as JSON content with finish_reason stop', () => {
    const { chunk, usage } = parseMessagesResponse(JSON.parse(fixture('message-json-tool.json')), 'anthropic', { jsonTool: 'person' });
    const choice = chunk.choices![0]!;
    expect(JSON.parse(choice.content!)).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(choice.toolCalls).toBeUndefined();
    expect(choice.finishReason).toBe('stop');
    expect(usage).toMatchObject({ inputTokens: 412, outputTokens: 38 });
  });

  it('streams the tool input as content deltas, ending with stop', () => {
    const t = new AnthropicStreamTranslator('anthropic', { onUnrecognized: jest.fn() }, { jsonTool: 'person' });
    const chunks = streamed(fixture('stream-json-tool.txt'), t);
    const choices = chunks.flatMap((c) => c.choices ?? []);
    expect(JSON.parse(choices.map((c) => c.content ?? '').join(''))).toEqual({ name: 'Ada Lovelace', born: 1815 });
    expect(choices.some((c) => (c.toolCalls ?? []).length > 0)).toBe(false);
    expect(choices.at(-1)!.finishReason).toBe('stop');
    expect(t.result()).toMatchObject({ finished: true, usage: { inputTokens: 412, outputTokens: 38 } });
  });

  it('without the context the same stream is an ordinary tool call', () => {
    const t = new AnthropicStreamTranslator('anthropic', { onUnrecognized: jest.fn() });
    const choices = streamed(fixture('stream-json-tool.txt'), t).flatMap((c) => c.choices ?? []);
    expect(choices.some((c) => (c.toolCalls ?? []).length > 0)).toBe(true);
    expect(choices.at(-1)!.finishReason).toBe('tool_calls');
  });
});
