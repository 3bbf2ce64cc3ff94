/** Responses of OpenAI's media endpoints, as its API reference documents them. */

export interface EmbeddingsResponse {
  object: 'list';
  data: { object: 'embedding'; index: number; embedding: number[] | string }[];
  model: string;
  usage: { prompt_tokens: number; total_tokens: number; cost?: number };
  provider?: string;
}

export interface ImagesResponse {
  created: number;
  data: { url?: string; b64_json?: string; revised_prompt?: string }[];
  background?: string;
  output_format?: string;
  quality?: string;
  size?: string;
  /** Gatewayz: what was billed (images generated) and its cost in dollars. */
  usage?: { images: number; input_tokens?: number; output_tokens?: number; total_tokens?: number; cost: number };
  provider?: string;
}
