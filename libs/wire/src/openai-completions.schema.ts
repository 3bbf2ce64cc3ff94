import { z } from 'zod';

/**
 * POST /v1/completions (legacy), as OpenAI documents it ("Create completion"). The gateway
 * serves it with chat models: the prompt becomes one user message. A single text prompt is
 * supported; several prompts or token-id prompts are rejected with a 400 naming `prompt`, as
 * are `suffix` and `best_of` > 1, which a chat model cannot honour.
 */
const required = (kind: string) => ({
  error: (issue: { input: unknown }) => (issue.input === undefined ? 'is required' : `must be ${kind}`),
});

export const completionRequestSchema = z.looseObject({
  model: z.string(required('a string')).trim().min(1, 'must not be empty').max(256),
  prompt: z.custom<string | [string]>((v) => typeof v === 'string' || (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string'), {
    error: (issue) => (issue.input === undefined ? 'is required' : 'must be one text prompt (several prompts and token-id prompts are not supported)'),
  }),
  max_tokens: z.number().int('must be an integer').min(1, 'must be at least 1').nullable().optional(),
  temperature: z.number().min(0).max(2).nullable().optional(),
  top_p: z.number().min(0).max(1).nullable().optional(),
  n: z.number().int().min(1).max(128).nullable().optional(),
  stream: z.boolean().nullable().optional(),
  stream_options: z.object({ include_usage: z.boolean().optional() }).nullable().optional(),
  logprobs: z.number().int('must be an integer').min(0).max(5, 'must be at most 5').nullable().optional(),
  echo: z.boolean().nullable().optional(),
  stop: z.union([z.string(), z.array(z.string()).max(4, 'accepts at most 4 sequences')]).nullable().optional(),
  presence_penalty: z.number().min(-2).max(2).nullable().optional(),
  frequency_penalty: z.number().min(-2).max(2).nullable().optional(),
  best_of: z.literal(1, 'is not supported above 1 (chat models return their answer, not the best of several)').nullable().optional(),
  logit_bias: z.record(z.string(), z.number().min(-100).max(100)).nullable().optional(),
  seed: z.number().int().nullable().optional(),
  suffix: z.string().max(0, 'is not supported (no insertion mode)').nullable().optional(),
  user: z.string().max(256).optional(),
});

export type CompletionRequest = z.infer<typeof completionRequestSchema>;

/** OpenAI's legacy logprobs object. */
export interface LegacyLogprobs {
  tokens: string[];
  token_logprobs: number[];
  top_logprobs: Record<string, number>[] | null;
  text_offset: number[];
}

export interface TextCompletionChoice {
  text: string;
  index: number;
  logprobs: LegacyLogprobs | null;
  finish_reason: string | null;
}
