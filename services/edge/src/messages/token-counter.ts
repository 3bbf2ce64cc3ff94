import type { ChatCompletionRequest, ChatMessage } from '@gatewayz/wire';

/**
 * Counts a prompt's input tokens without calling a provider (POST /v1/messages/count_tokens).
 * An interface, so a family-aware implementation (libs, with one tokenizer per model family)
 * can replace this one without touching the route.
 */
export interface PromptTokenCounter {
  count(a: { request: ChatCompletionRequest; model: string; nativeModel: string }): TokenCount;
}

export interface TokenCount {
  tokens: number;
  /** How: "tokenizer:<encoding>" (exact for that family) or "estimate:chars/4". */
  method: string;
}

type Encoding = 'o200k_base' | 'cl100k_base';
type CountFn = (text: string) => number;

/** OpenAI's families: o200k for GPT-4o and later, cl100k for GPT-4 / GPT-3.5. */
export function encodingFor(model: string, nativeModel: string): Encoding | undefined {
  const id = nativeModel.toLowerCase().replace(/^openai\//, '');
  if (/^(gpt-4o|gpt-4\.1|gpt-4\.5|gpt-5|o1|o3|o4|chatgpt-4o|gpt-oss)/.test(id)) return 'o200k_base';
  if (/^(gpt-4|gpt-3\.5)/.test(id)) return 'cl100k_base';
  return model.startsWith('openai/') ? 'o200k_base' : undefined;
}

/** Per-message overhead of OpenAI's chat format (role and separators), and the reply's priming. */
const TOKENS_PER_MESSAGE = 3;
const TOKENS_PER_REPLY = 3;
/** An image's share of a prompt without knowing its size: OpenAI's low-detail cost. */
const TOKENS_PER_IMAGE = 85;

function texts(m: ChatMessage): { text: string; images: number } {
  const parts: string[] = [];
  let images = 0;
  const content = (m as { content?: unknown }).content;
  if (typeof content === 'string') parts.push(content);
  else if (Array.isArray(content)) {
    for (const p of content as { type: string; text?: string; refusal?: string }[]) {
      if (p.type === 'image_url') images++;
      else parts.push(p.text ?? p.refusal ?? '');
    }
  }
  if (m.role === 'assistant') {
    for (const c of m.tool_calls ?? []) parts.push(c.function.name, c.function.arguments);
    if (m.reasoning_content) parts.push(m.reasoning_content);
  }
  return { text: parts.join('\n'), images };
}

/** Sums a request's tokens with `countText` for the text and fixed costs for the rest. */
export function countPrompt(request: ChatCompletionRequest, countText: CountFn): number {
  let total = TOKENS_PER_REPLY;
  for (const m of request.messages) {
    const { text, images } = texts(m);
    total += TOKENS_PER_MESSAGE + countText(text) + images * TOKENS_PER_IMAGE;
  }
  if (request.tools && request.tools.length > 0) total += countText(JSON.stringify(request.tools));
  return total;
}

const estimate: CountFn = (text) => Math.ceil(text.length / 4);

/** gpt-tokenizer for OpenAI families (loaded on first use), 1 token per 4 characters otherwise. */
export class DefaultTokenCounter implements PromptTokenCounter {
  private readonly loaded = new Map<Encoding, CountFn>();

  count(a: { request: ChatCompletionRequest; model: string; nativeModel: string }): TokenCount {
    const encoding = encodingFor(a.model, a.nativeModel);
    if (!encoding) return { tokens: countPrompt(a.request, estimate), method: 'estimate:chars/4' };
    return { tokens: countPrompt(a.request, this.encoder(encoding)), method: `tokenizer:${encoding}` };
  }

  private encoder(encoding: Encoding): CountFn {
    let fn = this.loaded.get(encoding);
    if (!fn) {
      // Each encoding's tables are a few MB: load only the ones asked for.
      const lib = (encoding === 'o200k_base' ? require('gpt-tokenizer/encoding/o200k_base') : require('gpt-tokenizer/encoding/cl100k_base')) as { countTokens: CountFn };
      fn = (text) => (text ? lib.countTokens(text) : 0);
      this.loaded.set(encoding, fn);
    }
    return fn;
  }
}
