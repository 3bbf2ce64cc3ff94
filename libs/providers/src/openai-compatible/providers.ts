/**
 * The OpenAI-compatible family as data. Each entry says only what differs from OpenAI; the
 * reason for each quirk is beside it. A provider not listed here (an admin's custom base URL)
 * gets the plain OpenAI behaviour.
 */
export interface OpenAICompatibleSpec {
  /** Parameters the provider rejects or ignores; removed before sending (docs/parameters.md). */
  exclude?: readonly string[];
  /** Extra headers. */
  headers?: Record<string, string>;
  /** The provider accepts `stream_options.include_usage` (usage in the last stream chunk). */
  streamUsage: boolean;
  /** Name the provider understands for the output-token limit. */
  maxTokensParam: 'max_tokens' | 'max_completion_tokens';
}

const OPENAI_DEFAULT: OpenAICompatibleSpec = { streamUsage: true, maxTokensParam: 'max_completion_tokens' };

export const OPENAI_COMPATIBLE: Record<string, OpenAICompatibleSpec> = {
  openai: OPENAI_DEFAULT,
  openrouter: {
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    // OpenRouter's app attribution headers (optional, documented in its API reference).
    headers: { 'HTTP-Referer': 'https://gatewayz.ai', 'X-Title': 'Gatewayz' },
  },
  groq: {
    streamUsage: true,
    maxTokensParam: 'max_completion_tokens',
    // Groq documents these as unsupported and answers 400 when they are present.
    exclude: ['logprobs', 'top_logprobs', 'logit_bias', 'store', 'metadata', 'service_tier'],
  },
  together: {
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: ['store', 'metadata', 'service_tier'],
  },
  deepseek: {
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    // DeepSeek's chat API has no n, seed or logit_bias; "store"/"metadata" are OpenAI-only.
    exclude: ['n', 'seed', 'logit_bias', 'store', 'metadata', 'service_tier', 'parallel_tool_calls'],
  },
};

export function specFor(provider: string): OpenAICompatibleSpec {
  return OPENAI_COMPATIBLE[provider] ?? OPENAI_DEFAULT;
}
