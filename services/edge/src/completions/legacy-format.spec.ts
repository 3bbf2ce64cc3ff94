import { create } from '@bufbuild/protobuf';
import { ChoiceDeltaSchema } from '@gatewayz/proto';
import { TextAssembler, toCanonicalRequest, toLegacyChunkChoices, toLegacyLogprobs } from './legacy-format';

const enc = new TextEncoder();
const logprobs = {
  content: [
    { token: 'Hel', logprob: -0.1, bytes: null, top_logprobs: [{ token: 'Hel', logprob: -0.1, bytes: null }, { token: 'Hi', logprob: -2, bytes: null }] },
    { token: 'lo', logprob: -0.2, bytes: null, top_logprobs: [] },
  ],
  refusal: null,
};

describe('legacy completions', () => {
  it('the prompt becomes one user message; max_tokens defaults to 16; logprobs → chat logprobs', () => {
    expect(toCanonicalRequest({ model: 'm', prompt: ['Once'], logprobs: 3, echo: true, temperature: 0.5, stop: '\n', suffix: null })).toEqual({
      model: 'm',
      messages: [{ role: 'user', content: 'Once' }],
      max_tokens: 16,
      temperature: 0.5,
      stop: '\n',
      logprobs: true,
      top_logprobs: 3,
    });
  });

  it('chat logprobs → legacy tokens, token_logprobs, top_logprobs and text offsets', () => {
    expect(toLegacyLogprobs(logprobs, 10)).toEqual({
      tokens: ['Hel', 'lo'],
      token_logprobs: [-0.1, -0.2],
      top_logprobs: [{ Hel: -0.1, Hi: -2 }, {}],
      text_offset: [10, 13],
    });
    expect(toLegacyLogprobs(null, 0)).toBeNull();
  });

  it('assembles text per choice, after the echoed prompt, offsets counted from it', () => {
    const a = new TextAssembler('Say: ', true);
    a.add(create(ChoiceDeltaSchema, { index: 0, content: 'Hello', logprobsJson: enc.encode(JSON.stringify(logprobs)) }));
    a.add(create(ChoiceDeltaSchema, { index: 0, finishReason: 'length' }));
    expect(a.build()).toEqual([
      { text: 'Say: Hello', index: 0, finish_reason: 'length', logprobs: { tokens: ['Hel', 'lo'], token_logprobs: [-0.1, -0.2], top_logprobs: [{ Hel: -0.1, Hi: -2 }, {}], text_offset: [5, 8] } },
    ]);
  });

  it('stream chunks: text pieces per choice, empty role chunks skipped', () => {
    const offsets = new Map<number, number>();
    expect(toLegacyChunkChoices([create(ChoiceDeltaSchema, { index: 0, role: 'assistant', content: '' })], offsets, false)).toEqual([]);
    expect(toLegacyChunkChoices([create(ChoiceDeltaSchema, { index: 0, content: 'ab' }), create(ChoiceDeltaSchema, { index: 1, content: 'c', finishReason: 'stop' })], offsets, false)).toEqual([
      { text: 'ab', index: 0, logprobs: null, finish_reason: null },
      { text: 'c', index: 1, logprobs: null, finish_reason: 'stop' },
    ]);
    expect(offsets).toEqual(new Map([[0, 2], [1, 1]]));
  });
});
