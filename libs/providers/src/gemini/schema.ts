import { unsupported } from '../common/params';
import type { GeminiSchema } from './types';

/**
 * JSON Schema → the Schema subset Gemini accepts (an OpenAPI 3.0 subset) for responseSchema and
 * function parameters:
 *  - translated: `type` arrays with "null" → `nullable`; `const` → a one-value enum; `$ref` into
 *    `$defs`/`definitions` → inlined; `oneOf` → `anyOf`; a single-member `allOf` → merged;
 *    property order → `propertyOrdering` (Gemini otherwise orders keys alphabetically).
 *  - dropped (annotations or constraints Gemini has no field for): `$schema`, `$id`, `$comment`,
 *    `additionalProperties`, `examples`, `strict`, string formats other than `date-time`/`enum`.
 *  - rejected (400 naming the parameter): recursive `$ref`, a multi-member `allOf`, tuples,
 *    non-string enums, schemas without any type.
 */
const TYPES: Record<string, NonNullable<GeminiSchema['type']>> = {
  string: 'STRING',
  number: 'NUMBER',
  integer: 'INTEGER',
  boolean: 'BOOLEAN',
  array: 'ARRAY',
  object: 'OBJECT',
};

const FORMATS: Partial<Record<NonNullable<GeminiSchema['type']>, string[]>> = {
  STRING: ['date-time', 'enum'],
  NUMBER: ['float', 'double'],
  INTEGER: ['int32', 'int64'],
};

type Json = Record<string, unknown>;

interface Ctx {
  provider: string;
  param: string;
  defs: Json;
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function fail(ctx: Ctx, path: string, what: string): never {
  throw unsupported(ctx.provider, ctx.param, `Gemini cannot take this JSON schema: ${what} at ${path || '/'}.`);
}

function resolveRef(ref: string, ctx: Ctx, path: string, seen: ReadonlySet<string>): { node: Json; seen: ReadonlySet<string> } {
  const m = /^#\/(?:\$defs|definitions)\/(.+)$/.exec(ref);
  if (!m) fail(ctx, path, `the $ref '${ref}' (only local $defs are supported)`);
  const name = m[1]!;
  if (seen.has(name)) fail(ctx, path, `the recursive $ref '${ref}'`);
  const node = ctx.defs[name];
  if (!isObject(node)) fail(ctx, path, `the unknown $ref '${ref}'`);
  return { node, seen: new Set([...seen, name]) };
}

function typeOf(node: Json, ctx: Ctx, path: string): { type?: GeminiSchema['type']; nullable: boolean; alternatives?: GeminiSchema['type'][] } {
  const raw = node.type;
  if (raw === undefined) return { nullable: false };
  const list = (Array.isArray(raw) ? raw : [raw]).map(String);
  const nullable = list.includes('null');
  const types = list.filter((t) => t !== 'null').map((t) => TYPES[t] ?? fail(ctx, path, `the type '${t}'`));
  if (types.length === 0) fail(ctx, path, 'a schema whose only type is null');
  return types.length === 1 ? { type: types[0], nullable } : { nullable, alternatives: types };
}

function convertEnum(values: unknown[], ctx: Ctx, path: string, out: GeminiSchema): void {
  const strings = values.filter((v) => v !== null);
  if (!strings.every((v) => typeof v === 'string')) fail(ctx, path, 'an enum of non-string values');
  out.type ??= 'STRING';
  out.enum = strings as string[];
  if (strings.length < values.length) out.nullable = true;
}

function convertAlternatives(members: unknown[], ctx: Ctx, path: string, seen: ReadonlySet<string>, out: GeminiSchema): void {
  const nonNull = members.filter((m) => !(isObject(m) && m.type === 'null'));
  if (nonNull.length < members.length) out.nullable = true;
  const converted = nonNull.map((m, i) => convert(m, ctx, `${path}/anyOf/${i}`, seen));
  if (converted.length === 1) Object.assign(out, converted[0], out.nullable ? { nullable: true } : {});
  else out.anyOf = converted;
}

function convertObject(node: Json, ctx: Ctx, path: string, seen: ReadonlySet<string>, out: GeminiSchema): void {
  if (isObject(node.properties)) {
    const props = Object.entries(node.properties);
    out.properties = Object.fromEntries(props.map(([k, v]) => [k, convert(v, ctx, `${path}/properties/${k}`, seen)]));
    if (props.length > 1) out.propertyOrdering = props.map(([k]) => k);
  }
  if (Array.isArray(node.required)) {
    const known = new Set(Object.keys(out.properties ?? {}));
    const required = node.required.filter((r): r is string => typeof r === 'string' && known.has(r));
    if (required.length > 0) out.required = required;
  }
  if (typeof node.minProperties === 'number') out.minProperties = String(node.minProperties);
  if (typeof node.maxProperties === 'number') out.maxProperties = String(node.maxProperties);
}

function copyConstraints(node: Json, out: GeminiSchema): void {
  if (typeof node.title === 'string') out.title = node.title;
  if (typeof node.description === 'string') out.description = node.description;
  if (typeof node.minimum === 'number') out.minimum = node.minimum;
  if (typeof node.maximum === 'number') out.maximum = node.maximum;
  if (typeof node.minItems === 'number') out.minItems = String(node.minItems);
  if (typeof node.maxItems === 'number') out.maxItems = String(node.maxItems);
  if (typeof node.minLength === 'number') out.minLength = String(node.minLength);
  if (typeof node.maxLength === 'number') out.maxLength = String(node.maxLength);
  if (typeof node.pattern === 'string') out.pattern = node.pattern;
  if (node.default !== undefined) out.default = node.default;
  if (typeof node.format === 'string' && out.type && FORMATS[out.type]?.includes(node.format)) out.format = node.format;
}

function convert(input: unknown, ctx: Ctx, path: string, seen: ReadonlySet<string>): GeminiSchema {
  if (!isObject(input)) fail(ctx, path, 'a schema that is not an object');
  let node = input;
  // $ref and a single-member allOf both stand for another schema: unwrap until neither is left.
  for (;;) {
    if (typeof node.$ref === 'string') {
      const resolved = resolveRef(node.$ref, ctx, path, seen);
      const { $ref: _ref, ...rest } = node;
      node = { ...resolved.node, ...rest };
      seen = resolved.seen;
    } else if (Array.isArray(node.allOf)) {
      if (node.allOf.length !== 1 || !isObject(node.allOf[0])) fail(ctx, path, 'allOf with several members');
      const { allOf, ...rest } = node;
      node = { ...(allOf[0] as Json), ...rest };
    } else {
      break;
    }
  }
  const out: GeminiSchema = {};
  const t = typeOf(node, ctx, path);
  if (t.type) out.type = t.type;
  if (t.nullable) out.nullable = true;
  if (t.alternatives) out.anyOf = t.alternatives.map((type) => ({ type }));
  if (node.const !== undefined) convertEnum([node.const], ctx, path, out);
  if (Array.isArray(node.enum)) convertEnum(node.enum, ctx, path, out);
  const alternatives = Array.isArray(node.anyOf) ? node.anyOf : Array.isArray(node.oneOf) ? node.oneOf : undefined;
  if (alternatives) convertAlternatives(alternatives, ctx, path, seen, out);
  if (out.type === 'ARRAY' || node.items !== undefined) {
    if (Array.isArray(node.items) || node.prefixItems !== undefined) fail(ctx, path, 'a tuple (items as an array)');
    if (node.items !== undefined) out.items = convert(node.items, ctx, `${path}/items`, seen);
  }
  if (out.type === 'OBJECT' || node.properties !== undefined) convertObject(node, ctx, path, seen, out);
  copyConstraints(node, out);
  if (!out.type && !out.anyOf) fail(ctx, path, 'a schema without a type');
  return out;
}

export function toGeminiSchema(schema: Record<string, unknown>, options: { provider: string; param: string }): GeminiSchema {
  const defs = { ...(isObject(schema.definitions) ? schema.definitions : {}), ...(isObject(schema.$defs) ? schema.$defs : {}) };
  return convert(schema, { ...options, defs }, '', new Set());
}
