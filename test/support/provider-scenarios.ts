import OpenAI from 'openai';
import type { FakeUpstream } from '@gatewayz/testing';

/**
 * Scenarios every provider family's end-to-end suite runs through the gateway with the official
 * `openai` SDK (test/providers-*.test.ts). Each family's file adds what its wire format needs
 * asserted on the upstream side.
 */
export type Chunk = OpenAI.Chat.Completions.ChatCompletionChunk;
export type UsageWithCost = OpenAI.CompletionUsage & { cost?: number };

export const WEATHER_TOOL = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
  },
} satisfies OpenAI.Chat.Completions.ChatCompletionFunctionTool;

export const TWO_CALLS = [
  { id: 'call_paris', name: 'get_weather', arguments: '{"city":"Paris"}' },
  { id: 'call_tokyo', name: 'get_weather', arguments: '{"city":"Tokyo"}' },
];

export const PERSON_FORMAT = {
  type: 'json_schema' as const,
  json_schema: {
    name: 'person',
    strict: true,
    schema: { type: 'object', properties: { name: { type: 'string' }, born: { type: 'integer' } }, required: ['name', 'born'], additionalProperties: false },
  },
};

export const PERSON_JSON = '{"name":"Ada Lovelace","born":1815}';

/** A 1×1 PNG. */
export const PNG_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';

export const IMAGE_MESSAGE: OpenAI.Chat.Completions.ChatCompletionMessageParam = {
  role: 'user',
  content: [
    { type: 'text', text: 'What is in this picture?' },
    { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG_BASE64}` } },
  ],
};

export interface Collected {
  chunks: Chunk[];
  content: string;
  reasoning: string;
  finish: (string | null)[];
  toolDeltas: { index: number; id?: string; name?: string; args?: string }[];
  usage: UsageWithCost | undefined;
}

export async function collect(stream: AsyncIterable<Chunk>): Promise<Collected> {
  const out: Collected = { chunks: [], content: '', reasoning: '', finish: [], toolDeltas: [], usage: undefined };
  for await (const chunk of stream) {
    out.chunks.push(chunk);
    for (const c of chunk.choices) {
      out.content += c.delta.content ?? '';
      out.reasoning += (c.delta as { reasoning_content?: string }).reasoning_content ?? '';
      if (c.finish_reason) out.finish.push(c.finish_reason);
      for (const tc of c.delta.tool_calls ?? []) out.toolDeltas.push({ index: tc.index, id: tc.id, name: tc.function?.name, args: tc.function?.arguments });
    }
    if (chunk.usage) out.usage = chunk.usage as UsageWithCost;
  }
  return out;
}

/** Tool calls assembled from streamed deltas, by index; each opened once with its id and name. */
export function assembled(deltas: Collected['toolDeltas']): { id: string; name: string; args: unknown }[] {
  const indexes = [...new Set(deltas.map((d) => d.index))].sort();
  return indexes.map((index) => {
    const mine = deltas.filter((d) => d.index === index);
    const opening = mine.filter((d) => d.id !== undefined);
    if (opening.length !== 1) throw new Error(`tool call ${index} opened ${opening.length} times`);
    return { id: opening[0]!.id!, name: opening[0]!.name ?? '', args: JSON.parse(mine.map((d) => d.args ?? '').join('')) as unknown };
  });
}

export async function rejection(p: Promise<unknown>): Promise<InstanceType<typeof OpenAI.APIError>> {
  const err: unknown = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof OpenAI.APIError)) throw new Error(`expected an APIError, got ${String(err)}`);
  return err;
}

/**
 * The upstream answers 429 once; with RATE_LIMIT_RETRIES=0 the gateway passes it on (429 with
 * Retry-After / retry-after-ms), and the SDK's own retry succeeds on the second try.
 */
export async function sdkRetriesOn429(options: { baseURL: string; apiKey: string; fake: FakeUpstream; model: string; headers?: Record<string, string> }) {
  const { fake } = options;
  fake.enqueue({ kind: 'status', status: 429, message: 'slow down', headers: options.headers ?? {} });
  const seen: number[] = [];
  const client = new OpenAI({
    apiKey: options.apiKey,
    baseURL: options.baseURL,
    maxRetries: 2,
    fetch: async (url, init) => {
      const res = await fetch(url, init);
      seen.push(res.status);
      return res;
    },
  });
  const res = await client.chat.completions.create({ model: options.model, messages: [{ role: 'user', content: 'retry me' }] });
  return { res, seen, upstreamCalls: fake.requests.length };
}

/** The upstream fails mid-stream: the SDK gets the first pieces, then throws; no finish_reason. */
export async function midStreamFailure(client: OpenAI, fake: FakeUpstream, model: string, fault: 'stream-error' | 'malformed', afterChunks = 3) {
  fake.enqueue({ kind: fault, afterChunks });
  const stream = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'one two three four five' }], stream: true });
  let content = '';
  const finishes: string[] = [];
  const err: unknown = await (async () => {
    for await (const chunk of stream) {
      content += chunk.choices[0]?.delta.content ?? '';
      if (chunk.choices[0]?.finish_reason) finishes.push(chunk.choices[0].finish_reason);
    }
  })().then(() => undefined, (e: unknown) => e);
  return { content, finishes, err };
}
