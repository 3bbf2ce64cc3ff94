import { create } from '@bufbuild/protobuf';
import { ResolveResponseSchema } from '@gatewayz/proto';
import { checkEndpoint, endpointFor } from './modality';

const resolved = (modality: string) => create(ResolveResponseSchema, { model: { id: 'x/m', modality } });

describe('which endpoint serves a model', () => {
  it('maps modalities to endpoints; every text-generating one is chat', () => {
    expect(['text->text', 'text+image->text', 'text->embedding', 'text->image', 'audio->text', 'text->audio', ''].map(endpointFor)).toEqual([
      'chat',
      'chat',
      'embeddings',
      'images',
      'transcriptions',
      'speech',
      'chat',
    ]);
  });

  it('a model on the wrong endpoint is a 400 on `model` naming the right one', () => {
    expect(() => checkEndpoint(resolved('text->text'), 'chat')).not.toThrow();
    expect(() => checkEndpoint(resolved('text->audio'), 'chat')).toThrow(expect.objectContaining({ status: 400, param: 'model', message: expect.stringContaining('use POST /v1/audio/speech') }));
    expect(() => checkEndpoint(resolved('text->text'), 'embeddings')).toThrow(expect.objectContaining({ message: expect.stringContaining('use POST /v1/chat/completions') }));
  });
});
