import { encode as encodeO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { encode as encodeCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { charsPerToken, countTokens, estimateUsage, tokenizerFor } from './token-estimate';

describe('tokenizerFor', () => {
  it.each([
    ['openai/gpt-4o', 'o200k_base'],
    ['gpt-4o-mini', 'o200k_base'],
    ['openai/gpt-4.1-nano', 'o200k_base'],
    ['o3-mini', 'o200k_base'],
    ['openai/gpt-oss-120b', 'o200k_base'],
    ['gpt-4-turbo', 'cl100k_base'],
    ['gpt-3.5-turbo', 'cl100k_base'],
    ['meta-llama/llama-3.3-70b-instruct', 'cl100k_base'],
    ['accounts/fireworks/models/llama-v3p3-70b-instruct', 'chars/4'],
    ['@cf/meta/llama-3.1-8b-instruct', 'cl100k_base'],
    ['qwen/qwen-plus', 'cl100k_base'],
    ['anthropic/claude-sonnet-4', 'chars/4'],
    ['google/gemini-2.0-flash', 'chars/4'],
    ['mistralai/mistral-small', 'chars/4'],
  ])('%s → %s', (model, name) => {
    expect(tokenizerFor(model)).toBe(name);
  });
});

describe('counting', () => {
  const text = 'The quick brown fox jumps over the lazy dog. Ünïcödé and 数字 too!';

  it('uses the real BPE encodings', async () => {
    expect(await countTokens(text, 'o200k_base')).toBe(encodeO200k(text).length);
    expect(await countTokens(text, 'cl100k_base')).toBe(encodeCl100k(text).length);
  });

  it('falls back to 1 token per 4 characters, rounded up (CM-14.1)', async () => {
    expect(charsPerToken('abcd')).toBe(1);
    expect(charsPerToken('abcde')).toBe(2);
    expect(await countTokens('a'.repeat(401), 'chars/4')).toBe(101);
    expect(await countTokens('', 'o200k_base')).toBe(0);
  });
});

describe('estimateUsage', () => {
  const request = {
    model: 'x',
    messages: [
      { role: 'system' as const, content: 'You are terse.' },
      { role: 'user' as const, content: [{ type: 'text' as const, text: 'Describe this' }, { type: 'image_url' as const, image_url: { url: 'data:image/png;base64,AAAA' } }] },
    ],
  };

  it('OpenAI models: o200k for prompt (with chat framing and an image floor) and output; marked estimated', async () => {
    const u = await estimateUsage({ model: 'openai/gpt-4o', nativeModel: 'gpt-4o', request, output: 'A small red square.' });
    const promptText = ['system', 'You are terse.', 'user', 'Describe this'].join('\n');
    expect(u).toEqual({
      inputTokens: encodeO200k(promptText).length + 2 * 3 + 3 + 85,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
      outputTokens: encodeO200k('A small red square.').length,
      reasoningTokens: 0,
      estimated: true,
      tokenizer: 'o200k_base',
    });
  });

  it('the native id decides first (an OpenAI model served under another name), then the canonical id', async () => {
    expect((await estimateUsage({ model: 'openai/gpt-4o-mini', nativeModel: 'my-azure-deployment', request, output: 'x' })).tokenizer).toBe('o200k_base');
    expect((await estimateUsage({ model: 'custom/model', nativeModel: 'llama3.3', request, output: 'x' })).tokenizer).toBe('cl100k_base');
  });

  it('other families: 1 token per 4 characters of prompt and output (CM-14.1)', async () => {
    const u = await estimateUsage({ model: 'anthropic/claude-sonnet-4', nativeModel: 'claude-sonnet-4-20250514', request: { model: 'x', messages: [{ role: 'user', content: 'a'.repeat(40) }] }, output: 'b'.repeat(9) });
    expect(u).toMatchObject({ inputTokens: Math.ceil((4 + 1 + 40) / 4), outputTokens: 3, estimated: true, tokenizer: 'chars/4' });
  });

  it('counts tool definitions and tool calls in the prompt', async () => {
    const base = await estimateUsage({ model: 'openai/gpt-4o', nativeModel: 'gpt-4o', request: { model: 'x', messages: [{ role: 'user', content: 'hi' }] }, output: '' });
    const withTools = await estimateUsage({
      model: 'openai/gpt-4o',
      nativeModel: 'gpt-4o',
      request: { model: 'x', messages: [{ role: 'user', content: 'hi' }], tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object' } } }] },
      output: '',
    });
    expect(withTools.inputTokens).toBeGreaterThan(base.inputTokens + 5);
  });
});
