/** Responses of POST /v1/chat/completions, as OpenAI documents them. */

export interface CompletionUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens?: number; audio_tokens?: number; cache_write_tokens?: number };
  completion_tokens_details?: { reasoning_tokens?: number; audio_tokens?: number };
  /** Dollars, as OpenRouter reports it. */
  cost?: number;
}

export interface ToolCall {
  id: string;
  type: 'function';
  function: { name: string; arguments: string };
}

export interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function?: { name?: string; arguments?: string };
}

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes: number[] | null;
  top_logprobs: { token: string; logprob: number; bytes: number[] | null }[];
}

export interface ChoiceLogprobs {
  content: TokenLogprob[] | null;
  refusal: TokenLogprob[] | null;
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  system_fingerprint?: string | null;
  choices: {
    index: number;
    message: {
      role: 'assistant';
      content: string | null;
      refusal: string | null;
      tool_calls?: ToolCall[];
      reasoning_content?: string;
    };
    logprobs: ChoiceLogprobs | null;
    finish_reason: string | null;
  }[];
  usage?: CompletionUsage;
  provider?: string;
}

export interface ChatCompletionChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  system_fingerprint?: string | null;
  choices: {
    index: number;
    delta: {
      role?: 'assistant';
      content?: string | null;
      refusal?: string | null;
      tool_calls?: ToolCallDelta[];
      reasoning_content?: string;
    };
    logprobs?: ChoiceLogprobs | null;
    finish_reason: string | null;
  }[];
  usage?: CompletionUsage | null;
  provider?: string;
}

export interface ModelObject {
  id: string;
  object: 'model';
  created: number;
  owned_by: string;
  name: string;
  context_length: number;
  max_output_tokens: number;
  simulated?: boolean;
  /** "text->text", "text->embedding", "text->image", "audio->text", "text->audio". */
  modality: string;
  providers: string[];
  pricing: {
    prompt: string;
    completion: string;
    input_cache_read?: string;
    input_cache_write?: string;
    /** Dollars per image generated. */
    image?: string;
    /** Dollars per second of audio transcribed. */
    audio_second?: string;
    /** Dollars per character of text synthesized to speech. */
    character?: string;
  };
}
