import { z } from 'zod';

/**
 * POST /v1/messages and /v1/messages/count_tokens requests, as Anthropic documents them
 * (API reference: "Messages", "Count message tokens"). Validated once at the edge, then
 * translated to the canonical (OpenAI chat) request. Unknown top-level parameters are kept and
 * ignored (Anthropic adds options often; none of them changes what a message means).
 */
const required = (kind: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${kind}`),
});

const cacheControl = z.object({ type: z.literal('ephemeral'), ttl: z.enum(['5m', '1h']).optional() }).nullable().optional();

const textBlock = z.object({ type: z.literal('text'), text: z.string(), cache_control: cacheControl, citations: z.array(z.unknown()).nullable().optional() });

const imageBlock = z.object({
  type: z.literal('image'),
  source: z.discriminatedUnion('type', [
    z.object({ type: z.literal('base64'), media_type: z.enum(['image/jpeg', 'image/png', 'image/gif', 'image/webp']), data: z.string().min(1) }),
    z.object({ type: z.literal('url'), url: z.string().min(1) }),
  ]),
  cache_control: cacheControl,
});

const toolUseBlock = z.object({
  type: z.literal('tool_use'),
  id: z.string().min(1),
  name: z.string().min(1),
  input: z.record(z.string(), z.unknown()),
  cache_control: cacheControl,
});

const toolResultBlock = z.object({
  type: z.literal('tool_result'),
  tool_use_id: z.string().min(1),
  content: z.union([z.string(), z.array(z.discriminatedUnion('type', [textBlock, imageBlock]))]).optional(),
  is_error: z.boolean().optional(),
  cache_control: cacheControl,
});

const thinkingBlock = z.object({ type: z.literal('thinking'), thinking: z.string(), signature: z.string().optional() });
const redactedThinkingBlock = z.object({ type: z.literal('redacted_thinking'), data: z.string() });

const documentBlock = z.object({
  type: z.literal('document'),
  source: z.discriminatedUnion(
    'type',
    [
      z.object({ type: z.literal('base64'), media_type: z.literal('application/pdf'), data: z.string().min(1) }),
      z.object({ type: z.literal('text'), media_type: z.literal('text/plain').optional(), data: z.string() }),
    ],
    "must be a base64 PDF or plain text (URL and file sources are not supported through the gateway)",
  ),
  title: z.string().nullable().optional(),
  context: z.string().nullable().optional(),
  cache_control: cacheControl,
});

const BLOCK_TYPES = 'text, image, document, tool_use, tool_result, thinking, redacted_thinking';

export const anthropicContentBlockSchema = z.discriminatedUnion('type', [textBlock, imageBlock, documentBlock, toolUseBlock, toolResultBlock, thinkingBlock, redactedThinkingBlock], {
  error: (issue) => (issue.code === 'invalid_union' ? `has a block type the gateway does not support (supported: ${BLOCK_TYPES})` : undefined),
});

export const anthropicMessageSchema = z.object({
  role: z.enum(['user', 'assistant']),
  content: z.union([z.string(), z.array(anthropicContentBlockSchema).min(1, 'must contain at least one block')], required('a string or an array of content blocks')),
});

const toolSchema = z.object({
  type: z.literal('custom', "is not supported: only client tools (type 'custom' or no type) can be used through the gateway").optional(),
  name: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'must contain only letters, digits, underscores and dashes'),
  description: z.string().optional(),
  input_schema: z.record(z.string(), z.unknown(), required('a JSON schema object')),
  cache_control: cacheControl,
});

export const anthropicToolChoiceSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('auto'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('any'), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('tool'), name: z.string().min(1), disable_parallel_tool_use: z.boolean().optional() }),
  z.object({ type: z.literal('none') }),
]);

const thinkingSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('enabled'), budget_tokens: z.number().int().min(1024, 'must be at least 1024') }),
  z.object({ type: z.literal('adaptive') }),
  z.object({ type: z.literal('between_tools') }),
  z.object({ type: z.literal('disabled') }),
]);

const outputConfigSchema = z.object({
  effort: z.enum(['low', 'medium', 'high', 'xhigh', 'max']).nullable().optional(),
  format: z.object({ type: z.literal('json_schema'), schema: z.record(z.string(), z.unknown()) }).nullable().optional(),
});

const system = z.union([z.string(), z.array(textBlock)]).optional();

const common = {
  model: z.string(required('a string')).trim().min(1, 'must not be empty').max(256),
  messages: z.array(anthropicMessageSchema, required('an array of messages')).min(1, 'must contain at least one message'),
  system,
  tools: z.array(toolSchema).max(128).optional(),
  tool_choice: anthropicToolChoiceSchema.optional(),
  thinking: thinkingSchema.optional(),
  output_config: outputConfigSchema.optional(),
};

export const anthropicMessagesRequestSchema = z.looseObject({
  ...common,
  max_tokens: z.number(required('an integer')).int('must be an integer').min(1, 'must be at least 1'),
  stop_sequences: z.array(z.string()).optional(),
  stream: z.boolean().optional(),
  temperature: z.number().min(0).max(1).optional(),
  top_p: z.number().min(0).max(1).optional(),
  top_k: z.number().int().min(0).optional(),
  metadata: z.object({ user_id: z.string().max(256).nullable().optional() }).optional(),
  service_tier: z.enum(['auto', 'standard_only']).optional(),
});

export const anthropicCountTokensRequestSchema = z.looseObject(common);

export type AnthropicMessagesRequestBody = z.infer<typeof anthropicMessagesRequestSchema>;
export type AnthropicCountTokensRequestBody = z.infer<typeof anthropicCountTokensRequestSchema>;
export type AnthropicContentBlockParam = z.infer<typeof anthropicContentBlockSchema>;
export type AnthropicMessageInput = z.infer<typeof anthropicMessageSchema>;
