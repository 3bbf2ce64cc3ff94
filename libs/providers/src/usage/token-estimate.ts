import type { ChatCompletionRequest } from '@gatewayz/wire';
import type { NormalizedUsage } from '../contract';

/**
 * Token counts for responses that came without usage. Provider usage is always preferred; this
 * runs only when a provider reported none (the result is marked `estimated`).
 *
 * Which tokenizer (gpt-tokenizer, OpenAI's BPE encodings):
 *  - o200k_base: GPT-4o, GPT-4.1/4.5, GPT-5, the o-series and gpt-oss — exact;
 *  - cl100k_base: GPT-4 and GPT-3.5 — exact; Llama 3/4 and Qwen — close, since their
 *    vocabularies were built by extending cl100k_base (Meta's and Qwen's own reports);
 *  - anything else (Claude, Gemini, Mistral, Cohere, DeepSeek...): no tokenizer of that family
 *    is available offline, so 1 token per 4 characters.
 */
export type TokenizerName = 'o200k_base' | 'cl100k_base' | 'chars/4';

const RULES: [RegExp, TokenizerName][] = [
  [/(^|[/:.])(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss|gpt-image)/i, 'o200k_base'],
  [/(^|[/:.])(gpt-4|gpt-3\.5)/i, 'cl100k_base'],
  [/llama[-_ ]?3|llama[-_ ]?4|llama3|llama4|qwen/i, 'cl100k_base'],
];

export function tokenizerFor(model: string): TokenizerName {
  for (const [pattern, name] of RULES) if (pattern.test(model)) return name;
  return 'chars/4';
}

type Counter = (text: string) => number;

const loaded = new Map<TokenizerName, Promise<Counter>>();

/** The encodings are large: loaded on first use, once per process. */
function counter(name: TokenizerName): Promise<Counter> {
  let c = loaded.get(name);
  if (!c) {
    c =
      name === 'o200k_base'
        ? import('gpt-tokenizer/encoding/o200k_base').then((m) => (text: string) => m.countTokens(text))
        : name === 'cl100k_base'
          ? import('gpt-tokenizer/encoding/cl100k_base').then((m) => (text: string) => m.countTokens(text))
          : Promise.resolve(charsPerToken);
    loaded.set(name, c);
  }
  return c;
}

/** The fallback: 1 token per 4 characters, rounded up. */
export function charsPerToken(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function countTokens(text: string, tokenizer: TokenizerName): Promise<number> {
  if (text.length === 0) return 0;
  return (await counter(tokenizer))(text);
}

/** OpenAI's chat framing: each message costs 3 tokens beyond its text, the reply 3 more. */
const PER_MESSAGE = 3;
const REPLY_PRIMING = 3;
/** A floor per image: OpenAI's low-detail price (the real cost depends on size and detail). */
const PER_IMAGE = 85;

function promptParts(request: ChatCompletionRequest): { text: string; images: number; messages: number } {
  const texts: string[] = [];
  let images = 0;
  for (const m of request.messages) {
    texts.push(m.role);
    const content = (m as { content?: unknown }).content;
    if (typeof content === 'string') texts.push(content);
    else if (Array.isArray(content)) {
      for (const p of content as { type?: string; text?: string; refusal?: string }[]) {
        if (p.type === 'image_url') images++;
        else if (typeof p.text === 'string') texts.push(p.text);
        else if (typeof p.refusal === 'string') texts.push(p.refusal);
      }
    }
    if (m.role === 'assistant') for (const tc of m.tool_calls ?? []) texts.push(tc.function.name, tc.function.arguments);
  }
  if (request.tools && request.tools.length > 0) texts.push(JSON.stringify(request.tools));
  if (request.response_format?.type === 'json_schema') texts.push(JSON.stringify(request.response_format.json_schema));
  return { text: texts.join('\n'), images, messages: request.messages.length };
}

export interface EstimateInput {
  /** Canonical model id (e.g. openai/gpt-4o) and the provider's id for it; the first that names a family decides. */
  model: string;
  nativeModel: string;
  request: ChatCompletionRequest;
  /** Everything generated: content, reasoning, refusals, tool-call names and arguments. */
  output: string;
}

export async function estimateUsage(input: EstimateInput): Promise<NormalizedUsage & { tokenizer: TokenizerName }> {
  const fromNative = tokenizerFor(input.nativeModel);
  const tokenizer = fromNative !== 'chars/4' ? fromNative : tokenizerFor(input.model);
  const prompt = promptParts(input.request);
  const framing = tokenizer === 'chars/4' ? 0 : prompt.messages * PER_MESSAGE + REPLY_PRIMING;
  return {
    inputTokens: (await countTokens(prompt.text, tokenizer)) + framing + prompt.images * PER_IMAGE,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    outputTokens: await countTokens(input.output, tokenizer),
    reasoningTokens: 0,
    estimated: true,
    tokenizer,
  };
}
