import { create, fromBinary, toBinary, toJson } from '@bufbuild/protobuf';
import { ChatRequestSchema, ChatResponseSchema, ResolveResponseSchema, UsageRecordedSchema, RequestStatus } from '@gatewayz/proto';
import { chatCompletionRequestSchema } from '@gatewayz/wire';

/** Per-request building blocks, timed in isolation (diagnostics for the hot path). */
function time(name: string, n: number, fn: () => unknown): void {
  for (let i = 0; i < Math.min(n, 2000); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  process.stdout.write(`${name.padEnd(44)} ${(((performance.now() - t0) * 1000) / n).toFixed(1)} µs\n`);
}

const price = { promptPerMtok: 150_000n, completionPerMtok: 600_000n, cacheReadPerMtok: 75_000n, cacheWritePerMtok: 150_000n, perRequest: 0n, perImage: 0n };
const chain = [
  { provider: 'openai', nativeModel: 'gpt-4o-mini', adapter: 'openai-compatible', baseUrl: 'https://api.openai.com/v1', price },
  { provider: 'openrouter', nativeModel: 'openai/gpt-4o-mini', adapter: 'openai-compatible', baseUrl: 'https://openrouter.ai/api/v1', price },
];
const body = Buffer.from(JSON.stringify({ model: 'openai/gpt-4o-mini', messages: [{ role: 'user', content: 'Say something short.' }] }));
const resolve = create(ResolveResponseSchema, {
  model: { id: 'openai/gpt-4o-mini', name: 'GPT-4o mini', ownedBy: 'openai', contextLength: 128000, maxOutputTokens: 16384, providers: ['openai', 'openrouter'], price },
  chain,
});
const resolveBytes = toBinary(ResolveResponseSchema, resolve);
const chatReq = create(ChatRequestSchema, { requestId: 'r1', body, model: 'openai/gpt-4o-mini', chain, stream: false, maxOutputTokens: 16384 });
const chatReqBytes = toBinary(ChatRequestSchema, chatReq);
const chunk = create(ChatResponseSchema, { event: { case: 'chunk', value: { choices: [{ index: 0, role: 'assistant', content: 'The quick brown fox jumps over the lazy dog.', finishReason: 'stop' }] } } });
const chunkBytes = toBinary(ChatResponseSchema, chunk);

time('ResolveResponse toBinary(create())', 20000, () => toBinary(ResolveResponseSchema, create(ResolveResponseSchema, resolve)));
time('ResolveResponse fromBinary', 20000, () => fromBinary(ResolveResponseSchema, resolveBytes));
time('ChatRequest toBinary(create())', 20000, () => toBinary(ChatRequestSchema, create(ChatRequestSchema, chatReq)));
time('ChatRequest fromBinary', 20000, () => fromBinary(ChatRequestSchema, chatReqBytes));
time('ChatResponse(chunk) toBinary + fromBinary', 20000, () => fromBinary(ChatResponseSchema, toBinary(ChatResponseSchema, chunk)));
time('ChatResponse(chunk) fromBinary', 20000, () => fromBinary(ChatResponseSchema, chunkBytes));
const parsed = JSON.parse(body.toString());
time('zod chat request parse', 20000, () => chatCompletionRequestSchema.safeParse(parsed));
time('UsageRecorded create + toJson + stringify', 20000, () =>
  JSON.stringify(
    toJson(
      UsageRecordedSchema,
      create(UsageRecordedSchema, {
        requestId: 'r1',
        userId: 'u',
        keyId: 'k',
        model: 'm',
        provider: 'p',
        nativeModel: 'n',
        stream: false,
        status: RequestStatus.SUCCESS,
        usage: { inputTokens: 10, outputTokens: 10 },
        costMicros: 12n,
        occurredAtMs: BigInt(Date.now()),
      }),
    ),
  ),
);
