import { z } from 'zod';

/**
 * POST /v1/chat/completions request, as OpenAI documents it (API reference: "Create chat
 * completion"). Validated once at the edge; everything behind the edge trusts its shape.
 * Unknown top-level parameters are kept (providers' extensions) and handled per provider.
 */
const text = z.string();

const imageUrlPart = z.object({
  type: z.literal('image_url'),
  image_url: z.object({
    url: z.string().min(1, 'must not be empty'),
    detail: z.enum(['auto', 'low', 'high']).optional(),
  }),
});

const textPart = z.object({ type: z.literal('text'), text });

const inputAudioPart = z.object({
  type: z.literal('input_audio'),
  input_audio: z.object({ data: z.string(), format: z.enum(['wav', 'mp3']) }),
});

const filePart = z.object({
  type: z.literal('file'),
  file: z.object({ file_data: z.string().optional(), file_id: z.string().optional(), filename: z.string().optional() }),
});

export const contentPartSchema = z.discriminatedUnion('type', [textPart, imageUrlPart, inputAudioPart, filePart]);

const toolCallSchema = z.object({
  id: z.string(),
  type: z.literal('function'),
  function: z.object({ name: z.string(), arguments: z.string() }),
});

const systemMessage = z.object({
  role: z.enum(['system', 'developer']),
  content: z.union([text, z.array(textPart).min(1)]),
  name: z.string().optional(),
});

const userMessage = z.object({
  role: z.literal('user'),
  content: z.union([text, z.array(contentPartSchema).min(1, 'must contain at least one part')]),
  name: z.string().optional(),
});

const assistantMessage = z.object({
  role: z.literal('assistant'),
  content: z.union([text, z.array(z.union([textPart, z.object({ type: z.literal('refusal'), refusal: text })])), z.null()]).optional(),
  name: z.string().optional(),
  tool_calls: z.array(toolCallSchema).optional(),
  refusal: z.string().nullable().optional(),
  reasoning_content: z.string().nullable().optional(),
});

const toolMessage = z.object({
  role: z.literal('tool'),
  content: z.union([text, z.array(textPart)]),
  tool_call_id: z.string().min(1),
});

const functionMessage = z.object({
  role: z.literal('function'),
  content: z.string().nullable(),
  name: z.string(),
});

export const chatMessageSchema = z.discriminatedUnion('role', [
  systemMessage,
  userMessage,
  assistantMessage,
  toolMessage,
  functionMessage,
]);

const functionDefinition = z.object({
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, underscores and dashes'),
  description: z.string().optional(),
  parameters: z.record(z.string(), z.unknown()).optional(),
  strict: z.boolean().nullable().optional(),
});

export const toolSchema = z.object({ type: z.literal('function'), function: functionDefinition });

export const toolChoiceSchema = z.union([
  z.enum(['none', 'auto', 'required']),
  z.object({ type: z.literal('function'), function: z.object({ name: z.string().min(1) }) }),
]);

export const responseFormatSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('text') }),
  z.object({ type: z.literal('json_object') }),
  z.object({
    type: z.literal('json_schema'),
    json_schema: z.object({
      name: z
        .string()
        .min(1)
        .max(64)
        .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, underscores and dashes'),
      description: z.string().optional(),
      schema: z.record(z.string(), z.unknown()).optional(),
      strict: z.boolean().nullable().optional(),
    }),
  }),
]);

/** "is required" when absent, "must be <kind>" when present with the wrong type. */
const required = (kind: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${kind}`),
});

const positiveInt = z.number().int('must be an integer').min(1, 'must be at least 1');

const providerSlug = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'must be a provider slug such as "openai"');
/** Dollars per million tokens (per request / per image for those two), as a number or decimal string. */
const priceCeiling = z.union([
  z.number().min(0, 'must not be negative').max(1_000_000),
  z.string().regex(/^\d{1,7}(\.\d{1,6})?$/, 'must be a decimal dollar amount such as "2.50"'),
]);

/**
 * Gateway routing preferences, OpenRouter's `provider` object (docs/routing.md). Strict: an
 * unknown key (say a data-policy filter we do not implement) is refused, never silently ignored.
 * Never sent upstream (libs/providers GATEWAY_ONLY).
 */
export const providerPreferencesSchema = z.strictObject({
  order: z.array(providerSlug).max(32).optional(),
  only: z.array(providerSlug).max(32).optional(),
  ignore: z.array(providerSlug).max(32).optional(),
  allow_fallbacks: z.boolean().optional(),
  sort: z.enum(['price', 'latency', 'throughput']).optional(),
  max_price: z
    .strictObject({ prompt: priceCeiling.optional(), completion: priceCeiling.optional(), request: priceCeiling.optional(), image: priceCeiling.optional() })
    .optional(),
  require_parameters: z.boolean().optional(),
});

export const chatCompletionRequestSchema = z.looseObject({
  model: z.string(required('a string')).trim().min(1, 'must not be empty').max(256),
  messages: z.array(chatMessageSchema, required('an array of messages')).min(1, 'must contain at least one message'),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  max_tokens: positiveInt.nullable().optional(),
  max_completion_tokens: positiveInt.nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4, 'accepts at most 4 sequences')]).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
  logprobs: z.boolean().nullable().optional(),
  top_logprobs: z.number().int().min(0).max(20).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  user: z.string().max(256).optional(),
  tools: z.array(toolSchema).max(128).optional(),
  tool_choice: toolChoiceSchema.optional(),
  parallel_tool_calls: z.boolean().optional(),
  response_format: responseFormatSchema.optional(),
  reasoning_effort: z.enum(['minimal', 'low', 'medium', 'high']).nullable().optional(),
  metadata: z.record(z.string(), z.string()).optional(),
  store: z.boolean().nullable().optional(),
  service_tier: z.string().nullable().optional(),
  /** Gateway-only: provider routing preferences. */
  provider: providerPreferencesSchema.optional(),
  /** Gateway-only: models to fall back to, in order, when `model` cannot be served. */
  models: z.array(z.string().trim().min(1, 'must not be empty').max(256)).max(8, 'accepts at most 8 models').optional(),
});

export type ChatCompletionRequest = z.infer<typeof chatCompletionRequestSchema>;
export type ChatMessage = z.infer<typeof chatMessageSchema>;
export type ContentPart = z.infer<typeof contentPartSchema>;
export type Tool = z.infer<typeof toolSchema>;
export type ProviderPreferencesInput = z.infer<typeof providerPreferencesSchema>;
export type ToolChoice = z.infer<typeof toolChoiceSchema>;
