import OpenAI from 'openai';
import { fakeOpenAI, type FakeUpstream } from '@gatewayz/testing';
import { startStack, type TestStack } from './support/stack';

describe('smoke: sim and a fake OpenAI upstream through the mesh', () => {
  let stack: TestStack;
  let upstream: FakeUpstream;
  let client: OpenAI;

  beforeAll(async () => {
    upstream = await fakeOpenAI();
    stack = await startStack({ env: { OPENAI_API_KEY: 'sk-test-upstream', OPENAI_BASE_URL: upstream.url } });
    const { key } = await stack.createKey();
    client = new OpenAI({ apiKey: key, baseURL: stack.baseURL, maxRetries: 0 });
  });

  afterAll(async () => {
    await stack.close();
    await upstream.close();
  });

  it('answers with the sim model', async () => {
    const res = await client.chat.completions.create({ model: 'sim/echo', messages: [{ role: 'user', content: 'hello mesh' }] });
    expect(res.choices[0]?.message.content).toBe('hello mesh');
    expect(res.model).toBe('sim/echo');
  });

  it('streams from the fake OpenAI upstream', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-4o',
      messages: [{ role: 'user', content: 'stream me' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe('Echo: stream me');
    expect(usage?.total_tokens).toBeGreaterThan(0);
    expect(upstream.requests.at(-1)?.body.model).toBe('gpt-4o');
  });
});
