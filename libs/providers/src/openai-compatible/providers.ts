import type { InEffectParam } from '../common/params';
import { THINKING_BUDGET } from '../common/params';

/**
 * The OpenAI-compatible family as data. Each entry says only what differs from OpenAI, from the
 * provider's API reference; the reason for each quirk is beside it. A provider not listed here
 * (an admin's custom base URL) gets the plain OpenAI behaviour. docs/parameters.md is the
 * reader's version of this table.
 */
export type ReasoningEffort = 'minimal' | 'low' | 'medium' | 'high';
export type ToolChoiceKind = 'none' | 'auto' | 'required' | 'named';

export interface EndpointContext {
  baseUrl: string;
  model: string;
  settings: Readonly<Record<string, string>>;
}

export interface OpenAICompatibleSpec {
  /** Name used in error messages (defaults to the slug). */
  name?: string;
  /** Parameters removed before sending: the provider lacks them and they cannot change the answer's meaning. */
  exclude?: readonly string[];
  /** Parameters the provider cannot honour and that would change the answer: a 400 naming them. */
  reject?: readonly InEffectParam[];
  /** Parameters the provider names differently. */
  rename?: Readonly<Record<string, string>>;
  /** Highest temperature the provider accepts (above: 400). */
  temperatureMax?: number;
  /** tool_choice values the provider honours (default: all). Unsupported 'none' removes the tools; others are a 400. */
  toolChoice?: readonly ToolChoiceKind[];
  /** reasoning_effort in the provider's terms (default: passed as is; null: dropped). */
  reasoning?: ((effort: ReasoningEffort) => Record<string, unknown>) | null;
  /** Extra headers. */
  headers?: Record<string, string>;
  /** The chat endpoint (default: <baseUrl>/chat/completions). */
  endpoint?: (ctx: EndpointContext) => string;
  /** How the key is sent (default: Authorization: Bearer). */
  authHeader?: (key: string) => Record<string, string>;
  /** The provider's model id from the catalog's native id. */
  modelId?: (nativeModel: string) => string;
  /** The provider accepts `stream_options.include_usage` (usage in the last stream chunk). */
  streamUsage: boolean;
  /** Name the provider understands for the output-token limit. */
  maxTokensParam: 'max_tokens' | 'max_completion_tokens';
}

/** OpenAI-only bookkeeping parameters most hosts do not know; none of them changes the answer. */
const OPENAI_ONLY = ['store', 'metadata', 'service_tier'] as const;

const OPENAI_DEFAULT: OpenAICompatibleSpec = { streamUsage: true, maxTokensParam: 'max_completion_tokens' };

/** Azure OpenAI's GA data-plane version (stream_options and max_completion_tokens included). */
export const AZURE_DEFAULT_API_VERSION = '2024-10-21';

const trimmed = (url: string) => url.replace(/\/+$/, '');

export const OPENAI_COMPATIBLE: Record<string, OpenAICompatibleSpec> = {
  openai: OPENAI_DEFAULT,
  azure: {
    name: 'Azure OpenAI',
    streamUsage: true,
    maxTokensParam: 'max_completion_tokens',
    // The model is the deployment, addressed in the URL; the key goes in `api-key`.
    endpoint: ({ baseUrl, model, settings }) =>
      `${trimmed(baseUrl)}/openai/deployments/${encodeURIComponent(model)}/chat/completions?api-version=${encodeURIComponent(settings.apiVersion ?? AZURE_DEFAULT_API_VERSION)}`,
    authHeader: (key) => ({ 'api-key': key }),
    exclude: OPENAI_ONLY,
  },
  openrouter: {
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    // OpenRouter's app attribution headers (optional, documented in its API reference).
    headers: { 'HTTP-Referer': 'https://gatewayz.ai', 'X-Title': 'Gatewayz' },
    // OpenRouter's unified reasoning parameter.
    reasoning: (effort) => ({ reasoning: { effort } }),
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
    exclude: OPENAI_ONLY,
  },
  fireworks: {
    name: 'Fireworks',
    // Usage always arrives in the last chunk; stream_options is not in its reference.
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    // Fireworks addresses its serverless models as accounts/fireworks/models/<id>.
    modelId: (id) => (id.startsWith('accounts/') ? id : `accounts/fireworks/models/${id}`),
    exclude: [...OPENAI_ONLY, 'logit_bias'],
  },
  deepseek: {
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    // DeepSeek's chat API has no n, seed or logit_bias; "store"/"metadata" are OpenAI-only.
    exclude: ['n', 'seed', 'logit_bias', 'store', 'metadata', 'service_tier', 'parallel_tool_calls'],
    // JSON output is json_object only.
    reject: ['json_schema'],
  },
  mistral: {
    name: 'Mistral',
    // Mistral rejects unknown fields (422) and always sends usage in the last chunk.
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    rename: { seed: 'random_seed' },
    exclude: [...OPENAI_ONLY, 'logit_bias', 'user'],
    reject: ['logprobs', 'top_logprobs'],
    // Magistral models always reason; the others cannot: there is no effort to set.
    reasoning: null,
  },
  xai: {
    name: 'xAI',
    streamUsage: true,
    maxTokensParam: 'max_completion_tokens',
    exclude: [...OPENAI_ONLY, 'logit_bias'],
    // Grok reasoning models take "low" or "high" only.
    reasoning: (effort) => ({ reasoning_effort: effort === 'minimal' || effort === 'low' ? 'low' : 'high' }),
  },
  cerebras: {
    name: 'Cerebras',
    streamUsage: false,
    maxTokensParam: 'max_completion_tokens',
    exclude: [...OPENAI_ONLY, 'logit_bias', 'presence_penalty', 'frequency_penalty'],
    reject: ['n'],
  },
  perplexity: {
    name: 'Perplexity',
    // Usage comes with every chunk; stream_options is not accepted.
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    exclude: [...OPENAI_ONLY, 'logit_bias', 'seed', 'user', 'parallel_tool_calls'],
    // Sonar models search; they do not call tools, return one choice and no logprobs.
    reject: ['tools', 'n', 'logprobs', 'top_logprobs', 'json_object'],
  },
  deepinfra: {
    name: 'DeepInfra',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: OPENAI_ONLY,
  },
  novita: {
    name: 'Novita',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    exclude: [...OPENAI_ONLY, 'parallel_tool_calls'],
  },
  hyperbolic: {
    name: 'Hyperbolic',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    exclude: [...OPENAI_ONLY, 'parallel_tool_calls'],
  },
  sambanova: {
    name: 'SambaNova',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    // Listed as unsupported in SambaNova's OpenAI-compatibility notes.
    exclude: [...OPENAI_ONLY, 'logit_bias', 'presence_penalty', 'frequency_penalty', 'seed'],
    reject: ['n', 'logprobs', 'top_logprobs'],
  },
  nebius: {
    name: 'Nebius AI Studio',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: OPENAI_ONLY,
  },
  featherless: {
    name: 'Featherless',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    exclude: [...OPENAI_ONLY, 'parallel_tool_calls'],
    reject: ['n'],
  },
  chutes: {
    name: 'Chutes',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: OPENAI_ONLY,
  },
  cloudflare: {
    name: 'Cloudflare Workers AI',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    // The account id is part of the URL: <base>/accounts/<id>/ai/v1/chat/completions.
    endpoint: ({ baseUrl, settings }) => `${trimmed(baseUrl)}/accounts/${encodeURIComponent(settings.accountId ?? '')}/ai/v1/chat/completions`,
    exclude: [...OPENAI_ONLY, 'logit_bias', 'user', 'parallel_tool_calls'],
    reject: ['n', 'logprobs', 'top_logprobs'],
  },
  alibaba: {
    name: 'Alibaba Cloud Model Studio',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: [...OPENAI_ONLY, 'logit_bias'],
    // Qwen3 thinking: enable_thinking with a token budget (DashScope compatible mode).
    reasoning: (effort) => ({ enable_thinking: true, thinking_budget: THINKING_BUDGET[effort] }),
  },
  moonshot: {
    name: 'Moonshot AI',
    // Usage comes inside the last choice of the stream (choices[0].usage).
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    temperatureMax: 1,
    exclude: [...OPENAI_ONLY, 'logit_bias', 'seed', 'parallel_tool_calls'],
    reject: ['logprobs', 'top_logprobs', 'json_schema'],
    // Kimi does not support tool_choice "required" (nor a named tool).
    toolChoice: ['none', 'auto'],
    reasoning: null,
  },
  zhipu: {
    name: 'Zhipu AI',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    temperatureMax: 1,
    rename: { user: 'user_id' },
    exclude: [...OPENAI_ONLY, 'logit_bias', 'seed', 'presence_penalty', 'frequency_penalty', 'parallel_tool_calls'],
    reject: ['n', 'logprobs', 'top_logprobs', 'json_schema'],
    // GLM's tool_choice is "auto" only.
    toolChoice: ['auto'],
    reasoning: () => ({ thinking: { type: 'enabled' } }),
  },
  nvidia: {
    name: 'NVIDIA NIM',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: OPENAI_ONLY,
  },
  ollama: {
    name: 'Ollama',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    // Ollama's OpenAI compatibility lists these as unsupported; tool_choice is ignored.
    exclude: [...OPENAI_ONLY, 'logit_bias', 'user', 'parallel_tool_calls'],
    reject: ['n', 'logprobs', 'top_logprobs'],
    toolChoice: ['none', 'auto'],
  },
  vllm: {
    name: 'vLLM',
    streamUsage: true,
    maxTokensParam: 'max_tokens',
    exclude: OPENAI_ONLY,
  },
  lmstudio: {
    name: 'LM Studio',
    streamUsage: false,
    maxTokensParam: 'max_tokens',
    exclude: [...OPENAI_ONLY, 'logit_bias', 'user', 'parallel_tool_calls'],
    reject: ['n', 'logprobs', 'top_logprobs'],
  },
};

export function specFor(provider: string): OpenAICompatibleSpec {
  return OPENAI_COMPATIBLE[provider] ?? OPENAI_DEFAULT;
}
