import { z } from 'zod';

/** POST /admin/providers: a custom OpenAI-compatible provider and the models it serves. */
const dollars = z.string().regex(/^\d{1,12}(\.\d{1,6})?$/, 'must be a decimal dollar amount per million tokens, like "0.50"');

const modelOffer = z.strictObject({
  /** Canonical id: an existing catalog model (adds an offer) or a new one. */
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*\/[A-Za-z0-9][A-Za-z0-9._:-]*$/, 'must be "<owner>/<model>"'),
  /** The provider's own id for it. */
  native_id: z.string().min(1).max(256),
  name: z.string().min(1).max(200).optional(),
  /** Required when the model is new to the catalog. */
  context_length: z.number().int().positive().max(100_000_000).optional(),
  max_output_tokens: z.number().int().positive().max(10_000_000).optional(),
  prompt: dollars,
  completion: dollars,
  cache_read: dollars.optional(),
  cache_write: dollars.optional(),
  /** Only an explicitly free offer may be priced 0. */
  free: z.boolean().optional(),
});

export const registerProviderSchema = z.strictObject({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must be lower-case letters, digits and dashes'),
  name: z.string().min(1).max(200),
  base_url: z
    .url()
    .max(2048)
    .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL'),
  /** Omitted for a keyless server (a local Ollama, vLLM, LM Studio...). */
  api_key: z.string().min(1).max(4096).optional(),
  /** Lower comes first in failover chains (catalog providers use 10–80). */
  priority: z.number().int().min(0).max(1000).default(60),
  models: z.array(modelOffer).min(1).max(500),
});

export type RegisterProviderInput = z.infer<typeof registerProviderSchema>;
