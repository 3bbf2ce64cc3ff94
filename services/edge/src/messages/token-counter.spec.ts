import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { DefaultTokenCounter, countPrompt, encodingFor } from './token-counter';

describe('token counting for count_tokens', () => {
  it('picks the OpenAI encoding by family, none for other families', () => {
    expect(encodingFor('openai/gpt-4o', 'gpt-4o')).toBe('o200k_base');
    expect(encodingFor('openai/gpt-4o-mini', 'openai/gpt-4o-mini')).toBe('o200k_base');
    expect(encodingFor('openai/gpt-4', 'gpt-4-0613')).toBe('cl100k_base');
    expect(encodingFor('anthropic/claude-sonnet-4', 'claude-sonnet-4-20250514')).toBeUndefined();
    expect(encodingFor('meta-llama/llama-3.1-8b-instruct', 'llama-3.1-8b-instant')).toBeUndefined();
  });

  it('counts messages with the chat format overhead, images and tools', () => {
    const count = (t: string) => t.length; // 1 token per character, to see the arithmetic
    const request = {
      model: 'm',
      messages: [
        { role: 'system' as const, content: 'abc' },
        { role: 'user' as const, content: [{ type: 'text' as const, text: 'hello' }, { type: 'image_url' as const, image_url: { url: 'https://x' } }] },
      ],
      tools: [{ type: 'function' as const, function: { name: 'f' } }],
    };
    // 3 reply + (3 + 3) + (3 + 5 + 85) + tools JSON
    expect(countPrompt(request, count)).toBe(3 + 6 + 93 + JSON.stringify(request.tools).length);
  });

  it('uses the real tokenizer where one applies and says which; estimates otherwise', () => {
    const counter = new DefaultTokenCounter();
    const request = { model: 'x', messages: [{ role: 'user' as const, content: 'The quick brown fox jumps over the lazy dog.' }] };
    expect(counter.count({ request, model: 'openai/gpt-4', nativeModel: 'gpt-4' })).toEqual({ tokens: 6 + countTokens('The quick brown fox jumps over the lazy dog.'), method: 'tokenizer:cl100k_base' });
    expect(counter.count({ request, model: 'sim/echo', nativeModel: 'echo' })).toEqual({ tokens: 6 + 11, method: 'estimate:chars/4' });
  });
});
