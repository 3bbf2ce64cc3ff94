import { toGeminiSchema } from './schema';

const opts = { provider: 'google', param: 'response_format' };

describe('toGeminiSchema (JSON Schema → the subset Gemini accepts)', () => {
  it('upper-cases types, keeps descriptions, required and property order', () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      type: 'object',
      description: 'A person',
      properties: { name: { type: 'string', minLength: 1 }, born: { type: 'integer', minimum: 0 }, tags: { type: 'array', items: { type: 'string' }, maxItems: 3 } },
      required: ['name', 'born', 'ghost'],
      additionalProperties: false,
    };
    expect(toGeminiSchema(schema, opts)).toEqual({
      type: 'OBJECT',
      description: 'A person',
      properties: { name: { type: 'STRING', minLength: '1' }, born: { type: 'INTEGER', minimum: 0 }, tags: { type: 'ARRAY', items: { type: 'STRING' }, maxItems: '3' } },
      propertyOrdering: ['name', 'born', 'tags'],
      required: ['name', 'born'],
    });
  });

  it('turns ["string","null"] into nullable, const into a one-value enum, oneOf into anyOf', () => {
    expect(toGeminiSchema({ type: ['string', 'null'] }, opts)).toEqual({ type: 'STRING', nullable: true });
    expect(toGeminiSchema({ const: 'yes' }, opts)).toEqual({ type: 'STRING', enum: ['yes'] });
    expect(toGeminiSchema({ enum: ['a', 'b', null] }, opts)).toEqual({ type: 'STRING', enum: ['a', 'b'], nullable: true });
    expect(toGeminiSchema({ oneOf: [{ type: 'string' }, { type: 'integer' }] }, opts)).toEqual({ anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] });
    expect(toGeminiSchema({ anyOf: [{ type: 'number' }, { type: 'null' }] }, opts)).toEqual({ type: 'NUMBER', nullable: true });
    expect(toGeminiSchema({ type: ['string', 'integer'] }, opts)).toEqual({ anyOf: [{ type: 'STRING' }, { type: 'INTEGER' }] });
  });

  it('inlines $ref into $defs and definitions, and merges a single allOf', () => {
    const schema = {
      type: 'object',
      properties: { home: { $ref: '#/$defs/address', description: 'Home' }, work: { allOf: [{ $ref: '#/definitions/address' }] } },
      $defs: { address: { type: 'object', properties: { city: { type: 'string' } } } },
      definitions: { address: { type: 'object', properties: { city: { type: 'string' } } } },
    };
    const out = toGeminiSchema(schema, opts);
    expect(out.properties!.home).toEqual({ type: 'OBJECT', description: 'Home', properties: { city: { type: 'STRING' } } });
    expect(out.properties!.work).toEqual({ type: 'OBJECT', properties: { city: { type: 'STRING' } } });
  });

  it('keeps only the formats Gemini knows', () => {
    expect(toGeminiSchema({ type: 'string', format: 'date-time' }, opts)).toEqual({ type: 'STRING', format: 'date-time' });
    expect(toGeminiSchema({ type: 'string', format: 'email' }, opts)).toEqual({ type: 'STRING' });
    expect(toGeminiSchema({ type: 'number', format: 'double' }, opts)).toEqual({ type: 'NUMBER', format: 'double' });
  });

  it.each([
    ['a recursive $ref', { type: 'object', properties: { child: { $ref: '#/$defs/node' } }, $defs: { node: { type: 'object', properties: { child: { $ref: '#/$defs/node' } } } } }, 'recursive'],
    ['a remote $ref', { $ref: 'https://example.com/schema.json' }, 'only local'],
    ['allOf with several members', { allOf: [{ type: 'object' }, { type: 'object' }] }, 'allOf'],
    ['a tuple', { type: 'array', items: [{ type: 'string' }, { type: 'number' }] }, 'tuple'],
    ['a numeric enum', { enum: [1, 2, 3] }, 'non-string'],
    ['a schema without a type', { type: 'object', properties: { anything: {} } }, 'without a type'],
  ])('rejects %s with a 400 naming the parameter and the place', (_what, schema, words) => {
    expect(() => toGeminiSchema(schema as Record<string, unknown>, { provider: 'google', param: 'tools[0].function.parameters' })).toThrow(
      expect.objectContaining({ status: 400, param: 'tools[0].function.parameters', message: expect.stringContaining(words) }),
    );
  });
});
