import { anthropicMessagesRequestSchema } from '@gatewayz/wire';
import { effortForBudget, toCanonicalCountRequest, toCanonicalRequest } from './anthropic-request';

const parse = (body: object) => anthropicMessagesRequestSchema.parse(body);

describe('Anthropic request → canonical (OpenAI chat) request', () => {
  it('a string conversation: system first, roles kept, max_tokens and stream carried', () => {
    const r = toCanonicalRequest(parse({ model: 'm', max_tokens: 10, stream: true, system: 'S', messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }, { role: 'user', content: 'bye' }] }));
    expect(r).toEqual({
      model: 'm',
      max_tokens: 10,
      stream: true,
      messages: [
        { role: 'system', content: 'S' },
        { role: 'user', content: 'hi' },
        { role: 'assistant', content: 'yo' },
        { role: 'user', content: 'bye' },
      ],
    });
  });

  it('tool_result blocks become tool messages before the rest of the user turn; errors and images kept', () => {
    const r = toCanonicalRequest(
      parse({
        model: 'm',
        max_tokens: 10,
        messages: [
          { role: 'assistant', content: [{ type: 'thinking', thinking: 'hmm', signature: 's' }, { type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }, { type: 'tool_use', id: 't2', name: 'g', input: {} }] },
          {
            role: 'user',
            content: [
              { type: 'text', text: 'here:' },
              { type: 'tool_result', tool_use_id: 't1', content: [{ type: 'text', text: 'ok' }, { type: 'image', source: { type: 'url', url: 'https://x/y.png' } }] },
              { type: 'tool_result', tool_use_id: 't2', content: 'boom', is_error: true },
            ],
          },
        ],
      }),
    );
    expect(r.messages).toEqual([
      {
        role: 'assistant',
        content: null,
        reasoning_content: 'hmm',
        tool_calls: [
          { id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          { id: 't2', type: 'function', function: { name: 'g', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 't1', content: 'ok' },
      { role: 'tool', tool_call_id: 't2', content: 'Error: boom' },
      { role: 'user', content: [{ type: 'text', text: 'here:' }, { type: 'image_url', image_url: { url: 'https://x/y.png' } }] },
    ]);
  });

  it('tool_choice: auto/any/tool/none, disable_parallel_tool_use → parallel_tool_calls false', () => {
    const base = { model: 'm', max_tokens: 10, messages: [{ role: 'user', content: 'x' }], tools: [{ name: 'f', input_schema: { type: 'object' } }] };
    expect(toCanonicalRequest(parse({ ...base, tool_choice: { type: 'auto' } }))).toMatchObject({ tool_choice: 'auto' });
    expect(toCanonicalRequest(parse({ ...base, tool_choice: { type: 'any', disable_parallel_tool_use: true } }))).toMatchObject({ tool_choice: 'required', parallel_tool_calls: false });
    expect(toCanonicalRequest(parse({ ...base, tool_choice: { type: 'tool', name: 'f' } }))).toMatchObject({ tool_choice: { type: 'function', function: { name: 'f' } } });
    expect(toCanonicalRequest(parse({ ...base, tool_choice: { type: 'none' } }))).toMatchObject({ tool_choice: 'none' });
    expect(toCanonicalRequest(parse(base)).tools).toEqual([{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }]);
  });

  it('thinking budgets map to the nearest reasoning_effort (the Anthropic adapter maps them back)', () => {
    expect([1024, 2048, 8192, 24576, 32000].map(effortForBudget)).toEqual(['minimal', 'low', 'medium', 'high', 'high']);
    expect(toCanonicalRequest(parse({ model: 'm', max_tokens: 10, thinking: { type: 'disabled' }, messages: [{ role: 'user', content: 'x' }] })).reasoning_effort).toBeUndefined();
    expect(toCanonicalRequest(parse({ model: 'm', max_tokens: 10, thinking: { type: 'adaptive' }, messages: [{ role: 'user', content: 'x' }] })).reasoning_effort).toBe('medium');
  });

  it('count_tokens requests carry only what counts', () => {
    const r = toCanonicalCountRequest({ model: 'm', system: [{ type: 'text', text: 'a' }], messages: [{ role: 'user', content: 'x' }] });
    expect(r).toEqual({ model: 'm', messages: [{ role: 'system', content: [{ type: 'text', text: 'a' }] }, { role: 'user', content: 'x' }] });
  });

  it('the schema rejects server tools and requires max_tokens', () => {
    expect(anthropicMessagesRequestSchema.safeParse({ model: 'm', messages: [{ role: 'user', content: 'x' }] }).success).toBe(false);
    const server = anthropicMessagesRequestSchema.safeParse({ model: 'm', max_tokens: 1, messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'web_search_20250305', name: 'web_search' }] });
    expect(server.success).toBe(false);
  });
});
